// The SQLite side of fault injection (util/fault.h): a VFS shim over the
// default "unix" VFS whose files return SQLITE_FULL / SQLITE_IOERR_* /
// SQLITE_BUSY from xWrite, xSync, xTruncate and the write locks when a
// DEVTRACK_FAULTS sqlite rule says so.
#pragma once

namespace devtrack {

#ifdef DEVTRACK_FAULT_INJECTION
// Registers the shim as the default VFS, once per process, if a rule names
// SQLite; otherwise SQLite is left exactly as it is.
void install_fault_vfs();
#else
inline void install_fault_vfs() {}
#endif

}  // namespace devtrack

// Test-only fault injection. Nothing here exists in an installed build: the
// CMake option DEVTRACK_FAULT_INJECTION (on only with DEVTRACK_BUILD_TESTS)
// defines the macro for the files that carry fault points; without it
// DEVTRACK_FAULT_POINT compiles to nothing.
//
// What each point does comes from one environment variable, read once per
// process:
//
//   DEVTRACK_FAULTS="checkin.stored=kill;sqlite.write:devtrack.db=full@3+"
//
// A rule is TARGET=ACTION[@N[+]][?FILE], rules separated by ';':
//   TARGET  a fault point name ("checkin.stored"), or sqlite.OP:FILE for the
//           SQLite VFS shim (core/store/fault_vfs.h): OP is write, sync,
//           truncate, lock or io (write|sync|truncate); FILE matches a
//           database file by the start of its base name, so "devtrack.db"
//           also matches devtrack.db-wal and devtrack.db-journal.
//   ACTION  for points: kill (SIGKILL), abort, throw (std::runtime_error);
//           for sqlite: full (SQLITE_FULL), ioerr (SQLITE_IOERR_<OP>),
//           busy (SQLITE_BUSY).
//   @N      only the Nth matching call; @N+ the Nth and every later one;
//           neither: every call.
//   ?FILE   only while FILE exists: a test creates and removes it to switch
//           the fault on and off in a running process.
// A malformed rule aborts the process with a message (it is always a test's
// mistake).
#pragma once

#ifdef DEVTRACK_FAULT_INJECTION

#include <string>

namespace devtrack::fault {

// The variable the rules are read from.
inline constexpr const char* kEnv = "DEVTRACK_FAULTS";

// Runs the action of the rule for `name`, if one matches now.
void point(const char* name);

// What the sqlite rules say for an operation on a file, counting the call.
// `op` is "write", "sync", "truncate" or "lock"; `file` is the path SQLite
// opened. The shim turns the answer into a SQLite result code.
enum class SqliteFault { none, full, ioerr, busy };
SqliteFault sqlite_fault(const char* op, const std::string& file);

// Whether any rule targets SQLite (the shim is installed only then).
bool has_sqlite_rules();

}  // namespace devtrack::fault

#define DEVTRACK_FAULT_POINT(name) ::devtrack::fault::point(name)

#else

#define DEVTRACK_FAULT_POINT(name) ((void)0)

#endif

// The fault VFS: every method forwards to the real default VFS and its
// files; only the writes, syncs, truncations and write locks first ask the
// rules (util/fault.cc) whether to fail. Compiled only with
// DEVTRACK_FAULT_INJECTION.
#include "store/fault_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <mutex>
#include <new>
#include <string>

#include "util/fault.h"

namespace devtrack {

namespace {

sqlite3_vfs* real_vfs = nullptr;
sqlite3_vfs shim_vfs;

// Laid out in the memory SQLite allocates for a file (szOsFile): the shim's
// part, then the real VFS's file.
struct ShimFile {
  sqlite3_file base;
  sqlite3_io_methods methods;  // a copy per file: iVersion follows the real file's
  const char* name;            // valid until xClose (SQLite guarantees it)
  unsigned shared_shm = 0;     // the shm lock slots this connection holds shared
};
constexpr size_t kShimSize = (sizeof(ShimFile) + 15) & ~size_t{15};

ShimFile* shim(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f); }
sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kShimSize); }
const sqlite3_io_methods& io(sqlite3_file* f) { return *real(f)->pMethods; }

// The result code a fault becomes for an operation, or SQLITE_OK.
int injected(sqlite3_file* f, const char* op, int ioerr_code) {
  const char* name = shim(f)->name;
  switch (fault::sqlite_fault(op, name ? name : "")) {
    case fault::SqliteFault::none: return SQLITE_OK;
    case fault::SqliteFault::full: return SQLITE_FULL;
    case fault::SqliteFault::busy: return SQLITE_BUSY;
    case fault::SqliteFault::ioerr: return ioerr_code;
  }
  return SQLITE_OK;
}

int x_close(sqlite3_file* f) { return io(f).xClose(real(f)); }
int x_read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) { return io(f).xRead(real(f), buf, n, off); }

int x_write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  if (int rc = injected(f, "write", SQLITE_IOERR_WRITE)) return rc;
  return io(f).xWrite(real(f), buf, n, off);
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = injected(f, "truncate", SQLITE_IOERR_TRUNCATE)) return rc;
  return io(f).xTruncate(real(f), size);
}

int x_sync(sqlite3_file* f, int flags) {
  if (int rc = injected(f, "sync", SQLITE_IOERR_FSYNC)) return rc;
  return io(f).xSync(real(f), flags);
}

int x_file_size(sqlite3_file* f, sqlite3_int64* size) { return io(f).xFileSize(real(f), size); }

// Rollback-journal writers take RESERVED and up on the database file.
int x_lock(sqlite3_file* f, int level) {
  if (level >= SQLITE_LOCK_RESERVED)
    if (int rc = injected(f, "lock", SQLITE_IOERR_LOCK)) return rc;
  return io(f).xLock(real(f), level);
}

int x_unlock(sqlite3_file* f, int level) { return io(f).xUnlock(real(f), level); }
int x_check_reserved(sqlite3_file* f, int* out) { return io(f).xCheckReservedLock(real(f), out); }
int x_file_control(sqlite3_file* f, int op, void* arg) { return io(f).xFileControl(real(f), op, arg); }
int x_sector_size(sqlite3_file* f) { return io(f).xSectorSize(real(f)); }
int x_device(sqlite3_file* f) { return io(f).xDeviceCharacteristics(real(f)); }
int x_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return io(f).xShmMap(real(f), page, size, extend, out);
}

// WAL writers take the exclusive WAL_WRITE_LOCK (slot 0 of the shm locks)
// inside a read transaction, which holds a read-mark slot (3 and up)
// shared: a fault there is what another connection's write transaction
// looks like, busy handler and timeout included. Outside a read
// transaction the same lock rebuilds the wal-index, which another writer
// does not prevent: no fault there.
int x_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  constexpr unsigned kReadMarks = ~0u << 3;
  bool exclusive_write = offset == 0 && (flags & SQLITE_SHM_LOCK) && (flags & SQLITE_SHM_EXCLUSIVE);
  if (exclusive_write && (shim(f)->shared_shm & kReadMarks))
    if (int rc = injected(f, "lock", SQLITE_IOERR_LOCK)) return rc;
  int rc = io(f).xShmLock(real(f), offset, n, flags);
  unsigned slots = ((1u << n) - 1) << offset;
  if (rc == SQLITE_OK && (flags & SQLITE_SHM_UNLOCK)) shim(f)->shared_shm &= ~slots;
  else if (rc == SQLITE_OK && (flags & SQLITE_SHM_SHARED)) shim(f)->shared_shm |= slots;
  return rc;
}

void x_shm_barrier(sqlite3_file* f) { io(f).xShmBarrier(real(f)); }
int x_shm_unmap(sqlite3_file* f, int del) { return io(f).xShmUnmap(real(f), del); }
int x_fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) { return io(f).xFetch(real(f), off, n, out); }
int x_unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) { return io(f).xUnfetch(real(f), off, p); }

int x_open(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto* s = new (f) ShimFile{};
  s->name = name;
  int rc = real_vfs->xOpen(real_vfs, name, real(f), flags, out_flags);
  // SQLite calls xClose only if pMethods is set: mirror the real file.
  if (!real(f)->pMethods) return rc;
  s->methods = {std::min(real(f)->pMethods->iVersion, 3), x_close, x_read, x_write, x_truncate, x_sync,
                x_file_size, x_lock, x_unlock, x_check_reserved, x_file_control, x_sector_size, x_device,
                x_shm_map, x_shm_lock, x_shm_barrier, x_shm_unmap, x_fetch, x_unfetch};
  s->base.pMethods = &s->methods;
  return rc;
}

// The rest of the VFS is the real one's, called with the real VFS.
int v_delete(sqlite3_vfs*, const char* n, int sync) { return real_vfs->xDelete(real_vfs, n, sync); }
int v_access(sqlite3_vfs*, const char* n, int flags, int* out) { return real_vfs->xAccess(real_vfs, n, flags, out); }
int v_full(sqlite3_vfs*, const char* n, int size, char* out) { return real_vfs->xFullPathname(real_vfs, n, size, out); }
void* v_dlopen(sqlite3_vfs*, const char* n) { return real_vfs->xDlOpen(real_vfs, n); }
void v_dlerror(sqlite3_vfs*, int n, char* out) { real_vfs->xDlError(real_vfs, n, out); }
void (*v_dlsym(sqlite3_vfs*, void* h, const char* s))(void) { return real_vfs->xDlSym(real_vfs, h, s); }
void v_dlclose(sqlite3_vfs*, void* h) { real_vfs->xDlClose(real_vfs, h); }
int v_random(sqlite3_vfs*, int n, char* out) { return real_vfs->xRandomness(real_vfs, n, out); }
int v_sleep(sqlite3_vfs*, int us) { return real_vfs->xSleep(real_vfs, us); }
int v_time(sqlite3_vfs*, double* out) { return real_vfs->xCurrentTime(real_vfs, out); }
int v_last_error(sqlite3_vfs*, int n, char* out) { return real_vfs->xGetLastError(real_vfs, n, out); }
int v_time64(sqlite3_vfs*, sqlite3_int64* out) { return real_vfs->xCurrentTimeInt64(real_vfs, out); }
int v_set_call(sqlite3_vfs*, const char* n, sqlite3_syscall_ptr p) { return real_vfs->xSetSystemCall(real_vfs, n, p); }
sqlite3_syscall_ptr v_get_call(sqlite3_vfs*, const char* n) { return real_vfs->xGetSystemCall(real_vfs, n); }
const char* v_next_call(sqlite3_vfs*, const char* n) { return real_vfs->xNextSystemCall(real_vfs, n); }

void install() {
  if (!fault::has_sqlite_rules()) return;
  real_vfs = sqlite3_vfs_find(nullptr);
  if (!real_vfs) return;
  shim_vfs = sqlite3_vfs{std::min(real_vfs->iVersion, 3), static_cast<int>(kShimSize) + real_vfs->szOsFile,
                         real_vfs->mxPathname, nullptr, "devtrack-fault", nullptr, x_open, v_delete, v_access,
                         v_full, v_dlopen, v_dlerror, v_dlsym, v_dlclose, v_random, v_sleep, v_time, v_last_error,
                         v_time64, v_set_call, v_get_call, v_next_call};
  sqlite3_vfs_register(&shim_vfs, 1);
}

}  // namespace

void install_fault_vfs() {
  static std::once_flag once;
  std::call_once(once, install);
}

}  // namespace devtrack

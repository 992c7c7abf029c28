// What a long-running process gives back when it goes quiet. The daemon's
// resident memory is mostly not its data: it is pages of program text and
// read-only data touched once (start-up, a config parse, a schema check)
// and kept mapped, and heap freed after a burst but not returned. The
// Linux version is memory_linux.cc; elsewhere release_idle_memory() does
// what the platform allows (a twin goes beside it).
#pragma once

#include <cstdint>

namespace devtrack {

struct MemoryReleased {
  int64_t mapped_kb = 0;  // resident file pages unmapped (still in the page cache)
  int64_t rss_before_kb = 0, rss_after_kb = 0;
};

// [any thread; the daemon calls it on its loop thread when it has been
// quiet for a while] Returns free heap to the system (malloc_trim) and
// unmaps the resident pages of the process's read-only, never-written
// file mappings (program and library text, read-only data): they stay in
// the page cache, and a page that is used again comes back at its first
// touch for the cost of a minor fault. Writable or copied-on-write
// mappings (relocated data, the heap, stacks, SQLite's shared memory) are
// never touched, so no data is lost.
MemoryReleased release_idle_memory();

// [main thread, before other threads start] One malloc arena for the
// process: a daemon's few threads do not contend for the allocator, and
// every extra arena keeps its own free memory resident.
void use_one_malloc_arena();

// The process's resident set in kB (VmRSS), 0 where it cannot be read.
int64_t resident_kb();

}  // namespace devtrack

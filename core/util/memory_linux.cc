// release_idle_memory() on Linux: malloc_trim, then MADV_DONTNEED over the
// read-only file mappings that /proc/self/smaps shows resident and free of
// anonymous (copied-on-write) pages. For such a mapping MADV_DONTNEED only
// drops the page-table entries: the data is the file's, so nothing can be
// lost, and the next touch maps the page again from the page cache.
#include "util/memory.h"

#include <malloc.h>
#include <sys/mman.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace devtrack {

namespace {

struct Mapping {
  uintptr_t start = 0, end = 0;
  bool candidate = false;  // private, not writable, backed by a file
  int64_t rss_kb = 0, anonymous_kb = 0;
};

// "7f12...-7f13... r-xp 00000000 fd:01 1234   /usr/lib/libc.so.6"
bool parse_header(const char* line, Mapping* m) {
  char perms[8] = {0};
  unsigned long start = 0, end = 0;
  int path_at = 0;
  if (std::sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &start, &end, perms, &path_at) < 3) return false;
  m->start = start;
  m->end = end;
  m->candidate = perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p' && path_at > 0 && line[path_at] == '/';
  m->rss_kb = m->anonymous_kb = 0;
  return true;
}

// A mapping's first line starts "START-END "; its fields are "Name: value".
bool is_header(const char* line) {
  const char* space = std::strchr(line, ' ');
  const char* dash = std::strchr(line, '-');
  return space && dash && dash < space && std::isxdigit(static_cast<unsigned char>(line[0]));
}

std::vector<Mapping> read_mappings() {
  std::vector<Mapping> out;
  FILE* f = std::fopen("/proc/self/smaps", "re");
  if (!f) return out;
  char line[4096];
  Mapping m;
  bool have = false;
  while (std::fgets(line, sizeof line, f)) {
    long kb = 0;
    if (is_header(line)) {
      if (have) out.push_back(m);
      have = parse_header(line, &m);
    } else if (std::sscanf(line, "Rss: %ld kB", &kb) == 1) {
      m.rss_kb = kb;
    } else if (std::sscanf(line, "Anonymous: %ld kB", &kb) == 1) {
      m.anonymous_kb = kb;
    } else if (std::strncmp(line, "VmFlags:", 8) == 0 && std::strstr(line, " lo")) {
      m.candidate = false;  // locked: its pages are meant to stay
    }
  }
  if (have) out.push_back(m);
  std::fclose(f);
  return out;
}

}  // namespace

int64_t resident_kb() {
  FILE* f = std::fopen("/proc/self/status", "re");
  if (!f) return 0;
  char line[256];
  long kb = 0;
  while (std::fgets(line, sizeof line, f))
    if (std::sscanf(line, "VmRSS: %ld kB", &kb) == 1) break;
  std::fclose(f);
  return kb;
}

void use_one_malloc_arena() { mallopt(M_ARENA_MAX, 1); }

MemoryReleased release_idle_memory() {
  MemoryReleased r;
  r.rss_before_kb = resident_kb();
  malloc_trim(0);
  for (const Mapping& m : read_mappings()) {
    if (!m.candidate || m.rss_kb == 0 || m.anonymous_kb != 0) continue;
    if (madvise(reinterpret_cast<void*>(m.start), m.end - m.start, MADV_DONTNEED) == 0) r.mapped_kb += m.rss_kb;
  }
  r.rss_after_kb = resident_kb();
  return r;
}

}  // namespace devtrack

// release_idle_memory(): read-only file pages leave the resident set and
// come back intact; written pages (a private copy, relocated data) are
// never dropped.
#include "util/memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;

namespace {

constexpr size_t kPages = 64;

// Rss of the mapping that starts at `at`, from /proc/self/smaps.
long mapping_rss_kb(const void* at) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  char start[32];
  std::snprintf(start, sizeof start, "%lx-", reinterpret_cast<unsigned long>(at));
  bool ours = false;
  while (std::getline(smaps, line)) {
    if (line.rfind(start, 0) == 0) ours = true;
    if (ours && line.rfind("Rss:", 0) == 0) return std::stol(line.substr(4));
  }
  return -1;
}

// A file of kPages pages, each filled with its own number.
std::string page_file(TempHome& home) {
  std::string path = home.file("pages");
  std::string data;
  long page = sysconf(_SC_PAGESIZE);
  for (size_t i = 0; i < kPages; ++i) data.append(static_cast<size_t>(page), static_cast<char>('a' + i % 26));
  spit(path, data);
  return path;
}

char* map_file(const std::string& path, int prot) {
  int fd = ::open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  void* p = ::mmap(nullptr, kPages * sysconf(_SC_PAGESIZE), prot, MAP_PRIVATE, fd, 0);
  ::close(fd);
  REQUIRE(p != MAP_FAILED);
  return static_cast<char*>(p);
}

long touch_all(const char* p) {
  long page = sysconf(_SC_PAGESIZE), sum = 0;
  for (size_t i = 0; i < kPages; ++i) sum += p[i * page];
  return sum;
}

}  // namespace

TEST_CASE("release_idle_memory: read-only file pages leave the resident set and read back the same") {
  TempHome home;
  char* p = map_file(page_file(home), PROT_READ);
  long sum = touch_all(p);
  REQUIRE(mapping_rss_kb(p) >= static_cast<long>(kPages * sysconf(_SC_PAGESIZE) / 1024));
  MemoryReleased r = release_idle_memory();
  CHECK(mapping_rss_kb(p) == 0);
  CHECK(r.mapped_kb > 0);
  CHECK(r.rss_after_kb < r.rss_before_kb);
  CHECK(resident_kb() > 0);
  CHECK(touch_all(p) == sum);  // back from the page cache, unchanged
  ::munmap(p, kPages * sysconf(_SC_PAGESIZE));
}

TEST_CASE("release_idle_memory: pages written in a private mapping are kept, also after it is made read-only") {
  TempHome home;
  long page = sysconf(_SC_PAGESIZE);
  char* p = map_file(page_file(home), PROT_READ | PROT_WRITE);
  touch_all(p);
  std::memset(p, 'Z', static_cast<size_t>(page));  // a private copy, like relocated data
  REQUIRE(::mprotect(p, kPages * page, PROT_READ) == 0);  // like RELRO after relocation
  release_idle_memory();
  CHECK(p[0] == 'Z');
  CHECK(p[page - 1] == 'Z');
  CHECK(p[page] == 'b');
  CHECK(mapping_rss_kb(p) > 0);  // not a candidate: it holds a written page
  ::munmap(p, kPages * page);
}

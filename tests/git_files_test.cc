// core/git/git_files.h: HEAD's reflog read whole and from its tail.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "git/git_files.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;

namespace {

std::string commit_id(int i) {
  char id[41];
  std::snprintf(id, sizeof id, "%040d", i);
  return id;
}

// A reflog of `n` commits, one line each, the way git writes it.
void write_reflog(const std::string& git_dir, int n, const std::string& long_message = "") {
  std::filesystem::create_directories(git_dir + "/logs");
  std::ofstream out(git_dir + "/logs/HEAD", std::ios::binary);
  for (int i = 1; i <= n; ++i)
    out << commit_id(i - 1) << ' ' << commit_id(i) << " Dev <dev@example.com> " << 1700000000 + i * 60 << " +0100\t"
        << "commit: step " << i << (i == n / 2 ? long_message : "") << "\n";
}

}  // namespace

TEST_CASE("the reflog's tail holds the entries back to the one asked for, and no cut line") {
  TempHome home;
  std::string git_dir = home.file("repo.git");
  write_reflog(git_dir, 5000);  // ~550 kB
  auto all = git::read_head_reflog(git_dir);
  REQUIRE(all.size() == 5000);

  auto recent = git::read_head_reflog_back_to(git_dir, [](const git::ReflogEntry& e) { return e.new_id == commit_id(4990); });
  REQUIRE(recent.size() < all.size());
  REQUIRE(recent.size() >= 11);
  CHECK(recent.back().new_id == commit_id(5000));
  CHECK(recent.back().action == "commit");
  // Every entry read from the tail is whole and the same as in the full read.
  size_t offset = all.size() - recent.size();
  for (size_t i = 0; i < recent.size(); ++i) {
    CHECK(recent[i].new_id == all[offset + i].new_id);
    CHECK(recent[i].old_id == all[offset + i].old_id);
    CHECK(recent[i].at_ms == all[offset + i].at_ms);
  }

  // An entry far back: the read grows until it has it.
  auto far = git::read_head_reflog_back_to(git_dir, [](const git::ReflogEntry& e) { return e.new_id == commit_id(3); });
  CHECK(far.size() == all.size());
  // Never found: all of it.
  CHECK(git::read_head_reflog_back_to(git_dir, [](const git::ReflogEntry&) { return false; }).size() == 5000);
  // No file: nothing.
  CHECK(git::read_head_reflog_back_to(home.file("none.git"), [](const git::ReflogEntry&) { return true; }).empty());
}

TEST_CASE("a reflog line longer than the tail is never read in part") {
  TempHome home;
  std::string git_dir = home.file("repo.git");
  write_reflog(git_dir, 3, std::string(200 * 1024, 'x'));  // the second line is 200 kB
  auto entries = git::read_head_reflog_back_to(git_dir, [](const git::ReflogEntry& e) { return e.new_id == commit_id(1); });
  REQUIRE(entries.size() == 3);
  CHECK(entries[1].new_id == commit_id(2));
  CHECK(entries[0].new_id == commit_id(1));
}

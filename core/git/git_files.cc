#include "git/git_files.h"

#include "git/slug.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/error.h"
#include "util/process.h"
#include "util/strings.h"

namespace devtrack::git {

namespace {

std::string absolute_from(const std::string& base, const std::string& p) {
  std::filesystem::path path(p);
  if (path.is_relative()) path = std::filesystem::path(base) / path;
  return path.lexically_normal().string();
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

Dirs resolve_dirs(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) throw Error(path + " is not a directory");
  std::string out, error;
  int rc = run_capture({"git", "-C", path, "rev-parse", "--show-toplevel", "--absolute-git-dir", "--git-common-dir",
                        "--git-path", "hooks"},
                       &out, &error);
  if (rc != 0) {
    if (!error.empty()) throw Error(error + " (is git installed?)");
    throw Error(path + " is not a git repository (or is a bare one): run `git init` there first");
  }
  auto lines = split(trim(out), '\n');
  if (lines.size() != 4) throw Error("unexpected output from git rev-parse in " + path);
  Dirs d;
  std::string base = std::filesystem::absolute(path).string();
  d.top = lines[0];
  d.git_dir = lines[1];
  // --git-common-dir and --git-path are relative to the directory git ran in.
  d.common_dir = absolute_from(base, lines[2]);
  d.hooks_dir = absolute_from(base, lines[3]);
  return d;
}

std::vector<ReflogEntry> read_head_reflog(const std::string& git_dir) {
  std::vector<ReflogEntry> entries;
  std::ifstream in(git_dir + "/logs/HEAD");
  for (std::string line; std::getline(in, line);) {
    // <old> SP <new> SP <name> SP <<email>> SP <seconds> SP <tz> TAB <message>
    size_t tab = line.find('\t');
    if (tab == std::string::npos || line.size() < 83) continue;
    ReflogEntry e;
    e.old_id = line.substr(0, 40);
    e.new_id = line.substr(41, 40);
    std::string head = line.substr(0, tab);
    size_t tz = head.rfind(' ');
    size_t ts = tz == std::string::npos ? std::string::npos : head.rfind(' ', tz - 1);
    if (ts == std::string::npos) continue;
    try {
      e.at_ms = std::stoll(head.substr(ts + 1, tz - ts - 1)) * 1000;
    } catch (const std::exception&) {
      continue;
    }
    std::string message = line.substr(tab + 1);
    size_t colon = message.find(':');
    e.action = colon == std::string::npos ? message : message.substr(0, colon);
    entries.push_back(std::move(e));
  }
  return entries;
}

bool makes_commit(const std::string& action) {
  if (action.rfind("commit", 0) == 0 || action == "cherry-pick" || action == "revert") return true;
  if (action.rfind("rebase", 0) == 0) {
    for (const char* step : {"(pick)", "(reword)", "(edit)", "(squash)", "(fixup)"})
      if (action.find(step) != std::string::npos) return true;
  }
  return false;
}

std::string remote_slug(const std::string& repo_path) {
  if (repo_path.empty()) return "";
  std::string url;
  if (run_capture({"git", "-C", repo_path, "remote", "get-url", "origin"}, &url, nullptr) != 0) return "";
  return slug_of_url(url);
}

std::string current_branch(const std::string& git_dir) {
  std::ifstream in(git_dir + "/HEAD");
  std::string head;
  std::getline(in, head);
  const std::string prefix = "ref: refs/heads/";
  if (head.rfind(prefix, 0) == 0) return trim(head.substr(prefix.size()));
  return "";
}

}  // namespace devtrack::git

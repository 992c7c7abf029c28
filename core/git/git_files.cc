#include "git/git_files.h"

#include <devtrack/remote.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
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

std::string trim_blanks(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A value as git reads it: "quoted parts", \-escapes, # or ; comments
// outside quotes, surrounding blanks dropped.
std::string config_value(const std::string& raw) {
  std::string out;
  bool quoted = false;
  size_t kept = 0;  // length of out up to its last character that is not a trailing blank
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '"') {
      quoted = !quoted;
      kept = out.size();
      continue;
    }
    if (!quoted && (c == '#' || c == ';')) break;
    if (c == '\\' && i + 1 < raw.size()) {
      char n = raw[++i];
      out += n == 'n' ? '\n' : n == 't' ? '\t' : n == 'b' ? '\b' : n;
      kept = out.size();
      continue;
    }
    if (!quoted && (c == ' ' || c == '\t' || c == '\r')) {
      if (!out.empty()) out += c;  // leading blanks are dropped
      continue;
    }
    out += c;
    kept = out.size();
  }
  out.resize(kept);
  return out;
}

// The user's and the system's git config files, as git reads them.
std::vector<std::string> user_config_files() {
  std::vector<std::string> files;
  const char* nosystem = std::getenv("GIT_CONFIG_NOSYSTEM");
  if (!nosystem || !*nosystem || std::string(nosystem) == "0" || std::string(nosystem) == "false")
    files.push_back(std::getenv("GIT_CONFIG_SYSTEM") ? std::getenv("GIT_CONFIG_SYSTEM") : "/etc/gitconfig");
  if (const char* global = std::getenv("GIT_CONFIG_GLOBAL")) {
    files.push_back(global);
    return files;
  }
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const char* home = std::getenv("HOME");
  if (xdg && *xdg) files.push_back(std::string(xdg) + "/git/config");
  else if (home) files.push_back(std::string(home) + "/.config/git/config");
  if (home) files.push_back(std::string(home) + "/.gitconfig");
  return files;
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

namespace {

// <old> SP <new> SP <name> SP <<email>> SP <seconds> SP <tz> TAB <message>
bool parse_reflog_line(const std::string& line, ReflogEntry& e) {
  size_t tab = line.find('\t');
  if (tab == std::string::npos || line.size() < 83) return false;
  e.old_id = line.substr(0, 40);
  e.new_id = line.substr(41, 40);
  std::string head = line.substr(0, tab);
  size_t tz = head.rfind(' ');
  size_t ts = tz == std::string::npos || tz == 0 ? std::string::npos : head.rfind(' ', tz - 1);
  if (ts == std::string::npos) return false;
  try {
    e.at_ms = std::stoll(head.substr(ts + 1, tz - ts - 1)) * 1000;
  } catch (const std::exception&) {
    return false;
  }
  std::string message = line.substr(tab + 1);
  size_t colon = message.find(':');
  e.action = colon == std::string::npos ? message : message.substr(0, colon);
  return true;
}

std::vector<ReflogEntry> parse_reflog(std::istream& in) {
  std::vector<ReflogEntry> entries;
  ReflogEntry e;
  for (std::string line; std::getline(in, line);)
    if (parse_reflog_line(line, e)) entries.push_back(std::move(e));
  return entries;
}

}  // namespace

std::vector<ReflogEntry> read_head_reflog(const std::string& git_dir) {
  std::ifstream in(git_dir + "/logs/HEAD");
  return parse_reflog(in);
}

std::vector<ReflogEntry> read_head_reflog_back_to(const std::string& git_dir,
                                                  const std::function<bool(const ReflogEntry&)>& far_enough) {
  std::ifstream in(git_dir + "/logs/HEAD", std::ios::binary | std::ios::ate);
  if (!in) return {};
  const std::streamoff size = in.tellg();
  for (std::streamoff tail = 64 * 1024;; tail *= 8) {
    std::streamoff start = size > tail ? size - tail : 0;
    std::string text(static_cast<size_t>(size - start), '\0');
    in.seekg(start);
    if (!in.read(text.data(), static_cast<std::streamsize>(text.size()))) return read_head_reflog(git_dir);
    // A tail starts inside a line: that line is left to the longer read.
    if (start > 0) {
      size_t first_end = text.find('\n');
      text.erase(0, first_end == std::string::npos ? text.size() : first_end + 1);
    }
    std::istringstream lines(text);
    auto entries = parse_reflog(lines);
    if (start == 0 || std::any_of(entries.begin(), entries.end(), far_enough)) return entries;
  }
}

bool makes_commit(const std::string& action) {
  if (action.rfind("commit", 0) == 0 || action == "cherry-pick" || action == "revert") return true;
  if (action.rfind("rebase", 0) == 0) {
    for (const char* step : {"(pick)", "(reword)", "(edit)", "(squash)", "(fixup)"})
      if (action.find(step) != std::string::npos) return true;
  }
  return false;
}

std::vector<ConfigEntry> read_config_file(const std::string& path) {
  std::vector<ConfigEntry> entries;
  std::ifstream in(path);
  std::string section, subsection;
  for (std::string line; std::getline(in, line);) {
    size_t i = line.find_first_not_of(" \t");
    if (i == std::string::npos || line[i] == '#' || line[i] == ';') continue;
    if (line[i] == '[') {
      std::string header;
      for (++i; i < line.size() && line[i] != ']'; ++i) header += line[i];
      size_t quote = header.find('"');
      subsection.clear();
      if (quote != std::string::npos) {
        // [remote "origin"]: the subsection is case-sensitive, with \" and \\ escapes.
        for (size_t j = quote + 1; j < header.size() && header[j] != '"'; ++j) {
          if (header[j] == '\\' && j + 1 < header.size()) ++j;
          subsection += header[j];
        }
        header = header.substr(0, quote);
      } else if (size_t dot = header.find('.'); dot != std::string::npos) {
        subsection = lower(header.substr(dot + 1));  // the old [remote.origin] form
        header = header.substr(0, dot);
      }
      section = lower(trim_blanks(header));
      // A variable may follow the header on the same line.
      line = i < line.size() ? line.substr(i + 1) : "";
      i = line.find_first_not_of(" \t");
      if (i == std::string::npos || line[i] == '#' || line[i] == ';') continue;
    }
    size_t eq = line.find('=', i);
    ConfigEntry e{section, subsection, lower(trim_blanks(line.substr(i, eq == std::string::npos ? eq : eq - i))),
                  eq == std::string::npos ? "true" : ""};
    if (eq != std::string::npos) {
      std::string raw = line.substr(eq + 1);
      // A backslash at the end of the line continues the value.
      while (!raw.empty() && raw.back() == '\\' && std::getline(in, line)) raw = raw.substr(0, raw.size() - 1) + line;
      e.value = config_value(raw);
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

std::string config_file_of(const std::string& repo_path) {
  std::error_code ec;
  for (std::filesystem::path dir = std::filesystem::absolute(repo_path, ec); !dir.empty(); dir = dir.parent_path()) {
    std::filesystem::path dot_git = dir / ".git";
    if (std::filesystem::is_directory(dot_git, ec)) return (dot_git / "config").string();
    if (std::filesystem::is_regular_file(dot_git, ec)) {
      // A linked worktree or a submodule: "gitdir: <path>"; a worktree's
      // git dir names the shared one in `commondir`.
      std::ifstream f(dot_git);
      std::string first;
      std::getline(f, first);
      if (first.rfind("gitdir:", 0) != 0) return "";
      std::string git_dir = absolute_from(dir.string(), trim_blanks(first.substr(7)));
      std::ifstream common(git_dir + "/commondir");
      std::string relative;
      if (std::getline(common, relative)) return absolute_from(git_dir, trim_blanks(relative)) + "/config";
      return git_dir + "/config";
    }
    if (dir == dir.parent_path()) break;
  }
  return "";
}

std::string remote_url(const std::string& repo_path, const std::string& remote) {
  if (repo_path.empty()) return "";
  std::string file = config_file_of(repo_path);
  if (file.empty()) return "";
  std::vector<std::string> files = {file};
  for (const auto& f : user_config_files()) files.push_back(f);
  std::string url;
  std::string best_base;
  size_t best = 0;
  // url.<base>.insteadOf = <prefix>: the longest matching prefix wins, from
  // any of the files, as git applies it.
  std::vector<std::pair<std::string, std::string>> rewrites;
  for (const auto& f : files)
    for (const auto& e : read_config_file(f)) {
      if (f == file && url.empty() && e.section == "remote" && e.subsection == remote && e.key == "url") url = e.value;
      if (e.section == "url" && e.key == "insteadof") rewrites.emplace_back(e.value, e.subsection);
    }
  for (const auto& [prefix, base] : rewrites)
    if (!prefix.empty() && url.rfind(prefix, 0) == 0 && prefix.size() > best) {
      best = prefix.size();
      best_base = base;
    }
  if (best) url = best_base + url.substr(best);
  return url;
}

std::string remote_slug(const std::string& repo_path) {
  // Read from the config file, not `git remote get-url`: no process on the
  // daemon's loop, and no "error: No such remote 'origin'" from git in the
  // user's terminal when there is none.
  std::string url = remote_url(repo_path, "origin");
  return url.empty() ? "" : sdk::slug_of_url(url);
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

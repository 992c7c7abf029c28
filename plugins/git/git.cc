// The git trigger plugin. The daemon notices commits itself (the hook, the
// reflog watcher, the catch-up at start) and records them at once; this
// plugin, in the worker, fills in what needs libgit2: the message, the
// remote's owner/name, the files changed and the line counts.
//
// Bus: takes "git.read" {trigger_id, repo, git_dir, commit}; publishes
// "trigger.details" {trigger_id, details: {...}}.
#include <devtrack/remote.hpp>
#include <devtrack/sdk.hpp>
#include <devtrack/text.hpp>
#include <git2.h>
#include <iconv.h>
#include <strings.h>

#include <cerrno>
#include <nlohmann/json.hpp>

using nlohmann::json;

namespace {

const dt_option kOptions[] = {
    {"max_files", DT_OPT_INT, "200", "At most this many changed file paths are kept per commit."},
    {nullptr, 0, nullptr, nullptr},
};

// What a commit may bring into the details: its text travels on the bus
// and the worker link (whose lines have a size limit) and is shown in
// prompts, so a 2 MiB message is cut, with its subject bounded on its own.
constexpr size_t kMaxMessage = 64 * 1024;
constexpr size_t kMaxSummary = 1024;
constexpr size_t kMaxName = 1024;  // author, remote URL, a file path

using devtrack::sdk::bounded_utf8;

// `text` in UTF-8, bounded: git keeps a message in the encoding its header
// names (i18n.commitEncoding, e.g. ISO-8859-1), converted here; bytes that
// are still not UTF-8 (no header, a wrong one) become U+FFFD.
std::string message_text(const char* encoding, const char* text, size_t max_bytes) {
  std::string_view raw = text ? std::string_view(text) : std::string_view();
  raw = raw.substr(0, 4 * max_bytes);  // enough for max_bytes of UTF-8 from any encoding
  if (!encoding || !strcasecmp(encoding, "UTF-8") || !strcasecmp(encoding, "UTF8")) return bounded_utf8(raw, max_bytes);
  iconv_t cd = iconv_open("UTF-8", encoding);
  if (cd == reinterpret_cast<iconv_t>(-1)) return bounded_utf8(raw, max_bytes);
  std::string out(raw.size() * 4 + 4, '\0');
  char* in = const_cast<char*>(raw.data());
  char* to = out.data();
  size_t in_left = raw.size(), out_left = out.size();
  size_t rc = iconv(cd, &in, &in_left, &to, &out_left);
  bool ok = rc != static_cast<size_t>(-1) || errno == EINVAL;  // EINVAL: a character cut at the end
  iconv_close(cd);
  if (!ok) return bounded_utf8(raw, max_bytes);
  out.resize(out.size() - out_left);
  return bounded_utf8(out, max_bytes);
}

std::string last_error() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

template <class T, void (*Free)(T*)>
struct Owned {
  T* p = nullptr;
  ~Owned() {
    if (p) Free(p);
  }
};

class GitPlugin : public devtrack::sdk::Trigger {
 public:
  GitPlugin(const dt_host* host, std::string_view config_json) : Trigger(host) {
    json config = json::parse(config_json, nullptr, false);
    if (config.is_object()) max_files_ = config.value("max_files", 200);
    git_libgit2_init();
    this->host().subscribe("git.read", [this](std::string_view, std::string_view payload) { on_read(payload); });
  }
  ~GitPlugin() override { git_libgit2_shutdown(); }

  void start() override {}
  void stop() override {}

 private:
  void on_read(std::string_view payload) {
    json request = json::parse(payload, nullptr, false);
    if (!request.is_object() || !request.contains("trigger_id")) return;
    json details;
    try {
      details = read_commit(git_dir_of(request), request.value("commit", ""));
    } catch (const std::exception& e) {
      std::string why = bounded_utf8(e.what(), kMaxName);
      details = {{"error", why}};
      host().warn("cannot read commit " + bounded_utf8(request.value("commit", ""), 64) + ": " + why);
    }
    host().publish("trigger.details", json{{"trigger_id", request["trigger_id"]}, {"details", details}}.dump());
  }

  // The exact bytes of a git_dir that is not UTF-8 come as hex (docs/ipc.md).
  static std::string git_dir_of(const json& request) {
    if (request.contains("git_dir_hex") && request["git_dir_hex"].is_string()) {
      const std::string& hex = request["git_dir_hex"].get_ref<const std::string&>();
      auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
      std::string bytes;
      for (size_t i = 0; i + 1 < hex.size(); i += 2) bytes += static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1]));
      return bytes;
    }
    return request.value("git_dir", request.value("repo", ""));
  }

  json read_commit(const std::string& git_dir, const std::string& id) {
    Owned<git_repository, git_repository_free> repo;
    if (git_repository_open(&repo.p, git_dir.c_str()) != 0) throw std::runtime_error(last_error());
    git_oid oid;
    if (git_oid_fromstr(&oid, id.c_str()) != 0) throw std::runtime_error("not a commit id: " + id);
    Owned<git_commit, git_commit_free> commit;
    if (git_commit_lookup(&commit.p, repo.p, &oid) != 0) throw std::runtime_error(last_error());

    json d;
    const char* encoding = git_commit_message_encoding(commit.p);
    d["message"] = message_text(encoding, git_commit_message(commit.p), kMaxMessage);
    d["summary"] = message_text(encoding, git_commit_summary(commit.p), kMaxSummary);
    const git_signature* author = git_commit_author(commit.p);
    d["author"] = message_text(encoding, author ? author->name : nullptr, kMaxName);
    unsigned parents = git_commit_parentcount(commit.p);
    d["parents"] = parents;
    d["merge"] = parents > 1;
    d["remote"] = nullptr;
    d["slug"] = nullptr;
    Owned<git_remote, git_remote_free> remote;
    if (git_remote_lookup(&remote.p, repo.p, "origin") == 0 && git_remote_url(remote.p)) {
      d["remote"] = bounded_utf8(git_remote_url(remote.p), kMaxName);
      std::string slug = devtrack::sdk::slug_of_url(git_remote_url(remote.p));
      if (!slug.empty()) d["slug"] = bounded_utf8(slug, kMaxName);
    }
    add_diff(repo.p, commit.p, d);
    return d;
  }

  // Files changed and line counts against the first parent (or nothing).
  void add_diff(git_repository* repo, git_commit* commit, json& d) {
    Owned<git_tree, git_tree_free> tree, parent_tree;
    if (git_commit_tree(&tree.p, commit) != 0) throw std::runtime_error(last_error());
    if (git_commit_parentcount(commit) > 0) {
      Owned<git_commit, git_commit_free> parent;
      if (git_commit_parent(&parent.p, commit, 0) == 0) git_commit_tree(&parent_tree.p, parent.p);
    }
    Owned<git_diff, git_diff_free> diff;
    if (git_diff_tree_to_tree(&diff.p, repo, parent_tree.p, tree.p, nullptr) != 0)
      throw std::runtime_error(last_error());
    Owned<git_diff_stats, git_diff_stats_free> stats;
    if (git_diff_get_stats(&stats.p, diff.p) != 0) throw std::runtime_error(last_error());
    d["files_changed"] = git_diff_stats_files_changed(stats.p);
    d["insertions"] = git_diff_stats_insertions(stats.p);
    d["deletions"] = git_diff_stats_deletions(stats.p);
    json files = json::array();
    size_t n = git_diff_num_deltas(diff.p);
    for (size_t i = 0; i < n && static_cast<int>(i) < max_files_; ++i) {
      const git_diff_delta* delta = git_diff_get_delta(diff.p, i);
      const char* path = delta->new_file.path ? delta->new_file.path : delta->old_file.path;
      files.push_back(bounded_utf8(path ? path : "", kMaxName));
    }
    d["files"] = files;
  }

  int max_files_ = 200;
};

}  // namespace

DEVTRACK_PLUGIN(GitPlugin, "git", "Git", "0.1.0", DT_RUNS_IN_WORKER,
                "Commits in watched repositories become check-in triggers; reads message, remote and changes "
                "with libgit2.",
                kOptions)

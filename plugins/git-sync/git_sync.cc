// The git sync plugin (docs/sync.md): carries this device's sealed
// segments to a git remote the user's devices share, and brings the other
// devices' back. It keeps a bare clone in the directory the host gives it;
// each device writes only its own folder, so commits never conflict and
// history grows linearly: fetch, add the new files on top of what the
// remote has, push, and on a non-fast-forward (another device pushed
// meanwhile) do it again on top of that. The host seals and opens the
// files: nothing here can read them.
//
// Credentials: ssh-agent for ssh:// and scp-like remotes, `git credential
// fill` (the user's credential helpers) for https://. libgit2 1.5 reads
// neither ~/.ssh/config nor credential helpers itself.
#include <devtrack/sdk.hpp>
#include <git2.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

using nlohmann::json;
using devtrack::sdk::Error;
namespace fs = std::filesystem;

namespace {

const dt_option kOptions[] = {
    {"push_attempts", DT_OPT_INT, "5", "Fetch-and-push rounds when other devices push at the same time."},
    {nullptr, 0, nullptr, nullptr},
};

std::string last_error() {
  const git_error* e = git_error_last();
  return e && e->message ? e->message : "unknown libgit2 error";
}

// A libgit2 failure as the host's statuses: the network and a busy remote
// are tried again later; refused credentials block.
void check(int rc, const std::string& what) {
  if (rc >= 0) return;
  std::string message = what + ": " + last_error();
  if (rc == GIT_EAUTH || message.find("authentication") != std::string::npos) throw Error(DT_AUTH, message);
  throw Error(DT_RETRY, message);
}

template <class T, void (*Free)(T*)>
struct Owned {
  T* p = nullptr;
  ~Owned() {
    if (p) Free(p);
  }
  T** out() { return &p; }
};
using Repo = Owned<git_repository, git_repository_free>;
using Remote = Owned<git_remote, git_remote_free>;
using Commit = Owned<git_commit, git_commit_free>;
using Tree = Owned<git_tree, git_tree_free>;
using Builder = Owned<git_treebuilder, git_treebuilder_free>;
using Blob = Owned<git_blob, git_blob_free>;
using Ref = Owned<git_reference, git_reference_free>;
using Entry = Owned<git_tree_entry, git_tree_entry_free>;

// `git credential fill` for an https remote: the user's own helpers
// (libsecret, a store, a manager) answer; empty when none does, or when
// none answers within kHelperWaitMs (a helper that waits for a terminal).
constexpr int kHelperWaitMs = 10'000;

std::string read_all(int fd, int wait_ms) {
  std::string reply;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, wait_ms) <= 0) break;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  return reply;
}

std::pair<std::string, std::string> credential_fill(const std::string& url) {
  int in[2], out[2];
  if (pipe(in) != 0) return {};
  if (pipe(out) != 0) {
    close(in[0]), close(in[1]);
    return {};
  }
  pid_t pid = fork();
  if (pid == 0) {  // only async-signal-safe calls until exec: no setenv, no allocation
    dup2(in[0], 0), dup2(out[1], 1);
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    execlp("env", "env", "GIT_TERMINAL_PROMPT=0", "git", "credential", "fill", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]), close(out[1]);
  std::string reply;
  if (pid > 0) {
    std::string request = "url=" + url + "\n\n";
    if (write(in[1], request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      close(in[1]);
      in[1] = -1;
      reply = read_all(out[0], kHelperWaitMs);
    }
    kill(pid, SIGKILL);  // done, or stuck: either way it is over
    waitpid(pid, nullptr, 0);
  }
  if (in[1] >= 0) close(in[1]);
  close(out[0]);
  std::string user, password;
  std::istringstream lines(reply);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("username=", 0) == 0) user = line.substr(9);
    if (line.rfind("password=", 0) == 0) password = line.substr(9);
  }
  return {user, password};
}

int credentials(git_credential** out, const char* url, const char* user_from_url, unsigned int allowed, void* tries) {
  if (++*static_cast<int*>(tries) > 2) return GIT_EAUTH;  // refused twice: stop asking
  if (allowed & GIT_CREDENTIAL_SSH_KEY)
    return git_credential_ssh_key_from_agent(out, user_from_url ? user_from_url : "git");
  if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
    auto [user, password] = credential_fill(url ? url : "");
    if (!user.empty() || !password.empty()) return git_credential_userpass_plaintext_new(out, user.c_str(), password.c_str());
  }
  return GIT_PASSTHROUGH;
}

struct PushOutcome {
  bool rejected = false;
  std::string message;
};

int push_status(const char* ref, const char* status, void* payload) {
  if (status) {
    auto* o = static_cast<PushOutcome*>(payload);
    o->rejected = true;
    o->message = std::string(ref) + ": " + status;
  }
  return 0;
}

class GitSync : public devtrack::sdk::Sync {
 public:
  GitSync(const dt_host* host, std::string_view config_json) : Sync(host) {
    git_libgit2_init();
    json c = json::parse(config_json, nullptr, false);
    if (c.is_object() && c.contains("push_attempts") && c["push_attempts"].is_number_integer())
      attempts_ = std::clamp(c["push_attempts"].get<int>(), 1, 50);
  }
  ~GitSync() override { git_libgit2_shutdown(); }

  std::string exchange(std::string_view text) override {
    json r = json::parse(text);
    Request req{r.value("remote", ""), r.value("branch", "devtrack-sync"), r.value("dir", ""),
                r.value("device_dir", ""), r.value("since", "")};
    if (req.remote.empty() || req.dir.empty() || req.device_dir.empty())
      throw Error(DT_PERMANENT, "the exchange needs remote, dir and device_dir");
    Repo repo;
    open_clone(req.dir, repo);
    std::set<std::string> incoming;
    for (int attempt = 1;; ++attempt) {
      git_oid head{};
      bool has_head = fetch(repo.p, req, &head);
      take_incoming(repo.p, req, has_head ? &head : nullptr, incoming);
      auto pushed = push_outgoing(repo.p, req, has_head ? &head : nullptr);
      if (pushed.done && kept_by_remote(repo.p, req, pushed)) {
        remove_sent(req, pushed.names);
        return reply(pushed.head, pushed.names, incoming);
      }
      if (attempt >= attempts_) throw Error(DT_RETRY, "the remote kept moving: " + pushed.message);
    }
  }

 private:
  struct Request {
    std::string remote, branch, dir, device_dir, since;
  };
  struct Pushed {
    bool done = false;
    std::string head, message;
    std::vector<std::string> names;
  };

  static std::string tracking_ref(const Request& r) { return "refs/remotes/origin/" + r.branch; }

  static void open_clone(const std::string& dir, Repo& repo) {
    std::string path = dir + "/repo.git";
    if (git_repository_open_bare(repo.out(), path.c_str()) == 0) return;
    check(git_repository_init(repo.out(), path.c_str(), 1), "cannot make the sync clone " + path);
  }

  // The remote's branch into refs/remotes/origin/BRANCH; false when the
  // remote has no such branch yet (the first device).
  static bool fetch(git_repository* repo, const Request& req, git_oid* head) {
    Remote remote;
    check(git_remote_create_anonymous(remote.out(), repo, req.remote.c_str()), "not a usable remote");
    std::string spec = "+refs/heads/" + req.branch + ":" + tracking_ref(req);
    char* specs[] = {spec.data()};
    git_strarray refspecs = {specs, 1};
    git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
    int tries = 0;
    opts.callbacks.credentials = credentials;
    opts.callbacks.payload = &tries;
    opts.prune = GIT_FETCH_NO_PRUNE;
    opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
    check(git_remote_fetch(remote.p, &refspecs, &opts, "devtrack sync"), "cannot fetch " + req.remote);
    return git_reference_name_to_id(head, repo, tracking_ref(req).c_str()) == 0;
  }

  // The files the other devices added since `since`, written to in/.
  static void take_incoming(git_repository* repo, const Request& req, const git_oid* head,
                            std::set<std::string>& incoming) {
    if (!head) return;
    Commit commit;
    Tree tree, since_tree;
    check(git_commit_lookup(commit.out(), repo, head), "cannot read the remote's commit");
    check(git_commit_tree(tree.out(), commit.p), "cannot read the remote's tree");
    git_oid since{};
    Commit since_commit;
    if (!req.since.empty() && git_oid_fromstr(&since, req.since.c_str()) == 0 &&
        git_commit_lookup(since_commit.out(), repo, &since) == 0)
      git_commit_tree(since_tree.out(), since_commit.p);
    fs::create_directories(req.dir + "/in");
    for (size_t i = 0; i < git_tree_entrycount(tree.p); ++i) {
      const git_tree_entry* device = git_tree_entry_byindex(tree.p, i);
      if (git_tree_entry_type(device) != GIT_OBJECT_TREE || req.device_dir == git_tree_entry_name(device)) continue;
      Tree files;
      if (git_tree_lookup(files.out(), repo, git_tree_entry_id(device)) != 0) continue;
      for (size_t j = 0; j < git_tree_entrycount(files.p); ++j) {
        const git_tree_entry* file = git_tree_entry_byindex(files.p, j);
        std::string name = git_tree_entry_name(file);
        std::string path = std::string(git_tree_entry_name(device)) + "/" + name;
        Entry seen;
        if (since_tree.p && git_tree_entry_bypath(seen.out(), since_tree.p, path.c_str()) == 0) continue;
        if (!valid_name(name) || git_tree_entry_type(file) != GIT_OBJECT_BLOB) continue;
        write_blob(repo, git_tree_entry_id(file), req.dir + "/in/" + name);
        incoming.insert(name);
      }
    }
  }

  static bool valid_name(const std::string& name) {
    return !name.empty() && name.size() <= 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
  }

  static void write_blob(git_repository* repo, const git_oid* id, const std::string& path) {
    Blob blob;
    check(git_blob_lookup(blob.out(), repo, id), "cannot read a segment");
    std::string tmp = path + ".part";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(static_cast<const char*>(git_blob_rawcontent(blob.p)), static_cast<std::streamsize>(git_blob_rawsize(blob.p)));
      out.flush();
      if (!out) throw Error(DT_RETRY, "cannot write " + tmp + ": " + std::strerror(errno));
    }
    fs::rename(tmp, path);
  }

  // Our new files (out/) on top of `head`, committed and pushed. Not done
  // when the remote moved meanwhile (the caller fetches again).
  Pushed push_outgoing(git_repository* repo, const Request& req, const git_oid* head) {
    Pushed result;
    std::vector<std::string> names = outgoing(req);
    if (names.empty()) {
      result.done = true;
      if (head) result.head = git_oid_tostr_s(head);
      return result;
    }
    git_oid tree_id, commit_id;
    std::vector<std::string> added = build_tree(repo, req, head, names, &tree_id);
    if (added.empty() && head)  // all of them are there already (a push whose reply was lost)
      return {true, git_oid_tostr_s(head), "", names};
    commit(repo, head, &tree_id, added.size(), &commit_id);
    std::string local = "refs/heads/" + req.branch;
    Ref ref;
    check(git_reference_create(ref.out(), repo, local.c_str(), &commit_id, 1, "devtrack sync"), "cannot move " + local);
    PushOutcome outcome;
    if (!push(repo, req, local, head, &commit_id, &outcome)) return {false, "", outcome.message, {}};
    return {true, git_oid_tostr_s(&commit_id), "", names};
  }

  // Whether the remote still holds what we pushed (or built on it): a
  // remote on a local path or a shared disk is updated without a lock on
  // the old value, so two devices pushing at once can lose one push. Only
  // then are the files sent; else the round goes again.
  static bool kept_by_remote(git_repository* repo, const Request& req, Pushed& pushed) {
    if (pushed.names.empty() || pushed.head.empty()) return true;
    git_oid ours{}, now{};
    if (git_oid_fromstr(&ours, pushed.head.c_str()) != 0 || !fetch(repo, req, &now)) return false;
    if (git_oid_equal(&ours, &now) || git_graph_descendant_of(repo, &now, &ours) == 1) return true;
    pushed.message = "another device's push replaced ours";
    return false;
  }

  static std::vector<std::string> outgoing(const Request& req) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(req.dir + "/out", ec))
      if (e.is_regular_file(ec) && valid_name(e.path().filename().string())) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  static void remove_sent(const Request& req, const std::vector<std::string>& names) {
    std::error_code ec;
    for (const auto& n : names) fs::remove(req.dir + "/out/" + n, ec);
  }

  // The remote's tree with our folder gaining the new files; returns the
  // names that were not in it yet.
  static std::vector<std::string> build_tree(git_repository* repo, const Request& req, const git_oid* head,
                                             const std::vector<std::string>& names, git_oid* tree_id) {
    Tree root;
    if (head) {
      Commit c;
      check(git_commit_lookup(c.out(), repo, head), "cannot read the remote's commit");
      check(git_commit_tree(root.out(), c.p), "cannot read the remote's tree");
    }
    Tree mine;
    if (root.p)
      if (const git_tree_entry* e = git_tree_entry_byname(root.p, req.device_dir.c_str()))
        git_tree_lookup(mine.out(), repo, git_tree_entry_id(e));
    Builder files, top;
    check(git_treebuilder_new(files.out(), repo, mine.p), "cannot build a tree");
    std::vector<std::string> added;
    for (const auto& name : names) {
      if (git_treebuilder_get(files.p, name.c_str())) continue;
      git_oid blob;
      check(git_blob_create_from_disk(&blob, repo, (req.dir + "/out/" + name).c_str()), "cannot store a segment");
      check(git_treebuilder_insert(nullptr, files.p, name.c_str(), &blob, GIT_FILEMODE_BLOB), "cannot build a tree");
      added.push_back(name);
    }
    git_oid files_id;
    check(git_treebuilder_write(&files_id, files.p), "cannot write a tree");
    check(git_treebuilder_new(top.out(), repo, root.p), "cannot build a tree");
    check(git_treebuilder_insert(nullptr, top.p, req.device_dir.c_str(), &files_id, GIT_FILEMODE_TREE),
          "cannot build a tree");
    check(git_treebuilder_write(tree_id, top.p), "cannot write a tree");
    return added;
  }

  // A commit that says nothing about the device or its data.
  static void commit(git_repository* repo, const git_oid* head, const git_oid* tree_id, size_t files, git_oid* out) {
    Tree tree;
    check(git_tree_lookup(tree.out(), repo, tree_id), "cannot read the new tree");
    Commit parent;
    if (head) check(git_commit_lookup(parent.out(), repo, head), "cannot read the remote's commit");
    git_signature* who = nullptr;
    check(git_signature_now(&who, "devtrack", "devtrack@localhost"), "cannot sign the commit");
    std::string message = std::to_string(files) + " segment(s)\n";
    const git_commit* parents[] = {parent.p};
    int rc = git_commit_create(out, repo, nullptr, who, who, "UTF-8", message.c_str(), tree.p, parent.p ? 1 : 0,
                               parents);
    git_signature_free(who);
    check(rc, "cannot commit the segments");
  }

  // A remote on this machine's disks (a path, file://, a USB disk): the
  // directory, else nullopt.
  static std::optional<std::string> local_path(const std::string& remote) {
    if (remote.rfind("file://", 0) == 0) return remote.substr(7);
    std::error_code ec;
    if (remote.rfind('/', 0) == 0 || fs::is_directory(remote, ec)) return fs::absolute(remote, ec).string();
    return std::nullopt;
  }

  // False when the remote refused a non-fast-forward (someone pushed first).
  // A server checks the branch's old value itself (receive-pack); libgit2
  // writes a remote on disk without that check, so there the objects go to
  // this device's own ref and the branch is moved with a compare-and-swap
  // under git's lock file, as receive-pack would.
  static bool push(git_repository* repo, const Request& req, const std::string& local, const git_oid* expected,
                   const git_oid* commit, PushOutcome* outcome) {
    auto path = local_path(req.remote);
    Remote remote;
    check(git_remote_create_anonymous(remote.out(), repo, req.remote.c_str()), "not a usable remote");
    // Never '+' onto the branch: another device's push is never overwritten.
    std::string spec = path ? "+" + local + ":refs/devtrack-sync/" + req.device_dir : local + ":refs/heads/" + req.branch;
    char* specs[] = {spec.data()};
    git_strarray refspecs = {specs, 1};
    // One payload for both callbacks: the credentials' try count and the
    // refs' outcome.
    struct Payload {
      int tries = 0;
      PushOutcome* outcome;
    } payload{0, outcome};
    git_push_options opts = GIT_PUSH_OPTIONS_INIT;
    opts.callbacks.payload = &payload;
    opts.callbacks.credentials = [](git_credential** out, const char* url, const char* user, unsigned int allowed,
                                    void* p) { return credentials(out, url, user, allowed, &static_cast<Payload*>(p)->tries); };
    opts.callbacks.push_update_reference = [](const char* ref, const char* status, void* p) {
      return push_status(ref, status, static_cast<Payload*>(p)->outcome);
    };
    int rc = git_remote_push(remote.p, &refspecs, &opts);
    if (rc < 0) {
      std::string message = last_error();
      if (rc == GIT_ENONFASTFORWARD || message.find("fast-forward") != std::string::npos ||
          message.find("fastforward") != std::string::npos || message.find("fetch first") != std::string::npos ||
          message.find("rejected") != std::string::npos) {
        outcome->message = message;
        return false;
      }
      check(rc, "cannot push to " + req.remote);
    }
    if (outcome->rejected) return false;
    return !path || move_branch(*path, req, expected, commit, outcome);
  }

  static bool move_branch(const std::string& path, const Request& req, const git_oid* expected, const git_oid* commit,
                          PushOutcome* outcome) {
    Repo remote;
    check(git_repository_open_bare(remote.out(), path.c_str()), "cannot open the remote " + path);
    std::string name = "refs/heads/" + req.branch;
    Ref ref;
    int rc = expected ? git_reference_create_matching(ref.out(), remote.p, name.c_str(), commit, 1, expected, "devtrack sync")
                      : git_reference_create(ref.out(), remote.p, name.c_str(), commit, 0, "devtrack sync");
    if (rc == GIT_EMODIFIED || rc == GIT_EEXISTS || rc == GIT_ELOCKED) {
      outcome->message = "another device pushed first";
      return false;
    }
    check(rc, "cannot move the branch of " + path);
    return true;
  }

  static std::string reply(const std::string& head, const std::vector<std::string>& pushed,
                           const std::set<std::string>& incoming) {
    return json{{"head", head}, {"pushed", pushed}, {"incoming", json(std::vector<std::string>(incoming.begin(), incoming.end()))}}
        .dump();
  }

  int attempts_ = 5;
};

}  // namespace

DEVTRACK_PLUGIN(GitSync, "git-sync", "Git sync", "0.1.0", DT_RUNS_IN_WORKER,
                "Syncs your records across your devices through a git remote you choose, encrypted (devtrack "
                "sync-remote).",
                kOptions)

// devtrack sync-remote set | now | status | key export | key import: the
// same records on every device, through a git remote of the user's
// choosing, encrypted before they leave (docs/sync.md).
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "ipc/ipc.h"
#include "store/store.h"
#include "sync/segment.h"
#include "sync/sync.h"
#include "util/error.h"
#include "util/paths.h"

using nlohmann::json;

namespace devtrack::cli {

namespace {

constexpr const char* kPlugin = "git-sync";

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || !*name) return "this-device";
  return name;
}

void tell_daemon(const char* verb) {
  try {
    daemon_call(verb);
  } catch (const std::exception&) {  // not running: it syncs when it starts
  }
}

int set(const po::variables_map& args) {
  std::string url = args["URL"].as<std::string>();
  if (url.empty() || url.find_first_of("\n\r") != std::string::npos) throw UsageError("URL must be a git remote");
  // https://user:token@host/...: the token would sit in the store and the
  // logs in clear. Credential helpers keep it (docs/sync.md).
  if (size_t scheme = url.find("://"); scheme != std::string::npos) {
    size_t at = url.find('@', scheme), slash = url.find('/', scheme + 3);
    if (at != std::string::npos && at < slash && url.substr(scheme + 3, at - scheme - 3).find(':') != std::string::npos)
      throw UsageError("the URL holds a password: leave it out and let a git credential helper give it "
                       "(git credential approve, or a helper such as libsecret; see docs/sync.md)");
  }
  Store store(paths::database());
  SyncSetup setup;
  if (auto old = sync_setup(store)) setup = *old;
  setup.remote = url;
  if (args.count("branch")) setup.branch = args["branch"].as<std::string>();
  setup.me.name = args.count("device") ? args["device"].as<std::string>()
                                        : (setup.me.name.empty() ? host_name() : setup.me.name);
  save_sync_setup(store, setup);
  std::cout << "syncing with " << url << " (branch " << setup.branch << ") as device \"" << setup.me.name << "\"\n";
  if (!sync_key()) {
    save_sync_key(new_sync_key());
    std::cout << "made a new sync key: on your other devices, run `devtrack sync-remote key import` with what\n"
                 "`devtrack sync-remote key export` prints here (their records are sealed with it)\n";
  }
  write_plugin_enabled(kPlugin, true);
  reload_daemon_config();
  tell_daemon("sync-remote.changed");
  return kOk;
}

// The status: the daemon's view when it runs, else what the store keeps.
json status_now() {
  try {
    return json::parse(daemon_call("sync-remote.status"));
  } catch (const ipc::NotRunning&) {
  }
  Store store(paths::database());
  auto setup = sync_setup(store);
  if (!setup) return {{"configured", false}};
  SyncOutcome o = sync_outcome(store);
  auto or_null = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  return {{"configured", true},          {"remote", setup->remote},
          {"device", setup->me.name},    {"in_flight", false},
          {"last_ok_ms", or_null(o.last_ok_ms)}, {"last_try_ms", or_null(o.last_try_ms)},
          {"next_ms", nullptr},          {"last_error", or_null(o.last_error)}};
}

void print_status(const json& s) {
  if (!s.value("configured", false)) {
    std::cout << "sync is not set up (devtrack sync-remote set URL)\n";
    return;
  }
  std::cout << "remote: " << s["remote"].get<std::string>() << "\ndevice: " << s["device"].get<std::string>() << "\n";
  std::cout << "last sync: " << (s["last_ok_ms"].is_number() ? local_when(s["last_ok_ms"].get<int64_t>(), "") : "never")
            << (s.value("in_flight", false) ? " (one is running)" : "") << "\n";
  if (s["last_error"].is_string()) std::cout << "last error: " << s["last_error"].get<std::string>() << "\n";
  Store store(paths::database());
  for (const auto& d : sync_devices(store)) std::cout << "device seen: " << d.name << "\n";
}

int status(const po::variables_map& args) {
  json s = status_now();
  if (args.count("json")) std::cout << s.dump(2) << "\n";
  else print_status(s);
  return kOk;
}

// Starts a round and waits for its outcome (a round the daemon was already
// running counts too).
int now(const po::variables_map& args) {
  json started;
  try {
    started = json::parse(daemon_call("sync-remote.now"));
  } catch (const ipc::NotRunning&) {
    throw Error("the daemon is not running (devtrack start): it syncs");
  }
  if (!started.value("started", false)) throw Error(started.value("reason", std::string("sync did not start")) +
                                                    " (devtrack sync-remote set URL)");
  int64_t round = started.value("round", int64_t{0});
  int wait = args["wait"].as<int>();
  json s = json::parse(daemon_call("sync-remote.status"));
  for (int i = 0; i < wait * 10 && s.value("completed", int64_t{0}) < round; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    s = json::parse(daemon_call("sync-remote.status"));
  }
  if (s.value("completed", int64_t{0}) < round) {
    std::cerr << "devtrack: the sync is still running after " << wait << " s (devtrack sync-remote status)\n";
    return kFailure;
  }
  if (args.count("json")) std::cout << s.dump(2) << "\n";
  else print_status(s);
  return s["last_error"].is_string() ? kFailure : kOk;
}

int key_export(const po::variables_map&) {
  auto key = sync_key();
  if (!key) throw Error("there is no sync key here (devtrack sync-remote set URL makes one)");
  if (::isatty(STDOUT_FILENO))
    std::cerr << "devtrack: this key opens all your synced records: pass it to your own devices only\n";
  std::cout << sync_key_text(*key) << "\n";
  return kOk;
}

int key_import(const po::variables_map& args) {
  std::string text;
  if (args.count("KEY")) text = args["KEY"].as<std::string>();
  else std::getline(std::cin, text);
  auto key = parse_sync_key_text(text);
  if (!key) throw Error("that is not a sync key (it starts with dtsync1:, as `devtrack sync-remote key export` prints)");
  if (auto old = sync_key(); old && *old != *key)
    std::cerr << "devtrack: replaced this device's sync key: what it sealed before cannot be read elsewhere\n";
  save_sync_key(*key);
  std::cout << "sync key imported\n";
  tell_daemon("sync-remote.changed");
  return kOk;
}

}  // namespace

extern const Command kSyncRemoteSet = {
    "sync-remote set", "sync this device's records with your others through a git remote",
    "URL is any git remote: a private GitHub/GitLab repository (ssh, or https with your credential helper),\n"
    "a bare repository on a server or a USB disk. Everything is sealed (libsodium) before it leaves: the\n"
    "remote sees only ciphertext under meaningless names. The first device makes the key; give it to the\n"
    "others with key export / key import. Enables the git-sync plugin; the daemon syncs at start, after\n"
    "answers (at most every sync.interval) and every sync.poll.",
    [](Spec& s) {
      s.positionals.push_back({"URL"});
      s.options.add_options()("device", po::value<std::string>()->value_name("NAME"),
                              "what to call this machine (default: its host name)")(
          "branch", po::value<std::string>()->value_name("BRANCH"), "the remote's branch (default devtrack-sync)");
    },
    set,
};

extern const Command kSyncRemoteNow = {
    "sync-remote now", "sync now and wait for the outcome",
    "Exit 1 when the sync failed (the reason is shown); the daemon tries again later on its own.",
    [](Spec& s) {
      s.options.add_options()("wait", po::value<int>()->default_value(120)->value_name("SECONDS"),
                              "wait at most this long")("json", "print the status as JSON");
    },
    now,
};

extern const Command kSyncRemoteStatus = {
    "sync-remote status", "the remote, the last sync and its error, and the devices seen", "",
    [](Spec& s) { s.options.add_options()("json", "print it as JSON for scripts"); },
    status,
};

extern const Command kSyncRemoteKeyExport = {
    "sync-remote key export", "print the sync key, to import on your other devices",
    "The key opens every record you sync: pass it only to your own devices (e.g. over ssh:\n"
    "devtrack sync-remote key export | ssh desk devtrack sync-remote key import).",
    [](Spec&) {},
    key_export,
};

extern const Command kSyncRemoteKeyImport = {
    "sync-remote key import", "take the sync key another device exported (as KEY or on stdin)",
    "Kept encrypted like other secrets ($DEVTRACK_HOME/secrets.json).",
    [](Spec& s) { s.positionals.push_back({"KEY", 1, false}); },
    key_import,
};

}  // namespace devtrack::cli

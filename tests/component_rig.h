// The daemon's components in one process, for component tests: a real
// EventLoop on a ManualClock, a real Bus, a temporary SQLite Store, and a
// WorkerJobs that records the jobs the worker would get (the test plays the
// worker by publishing its results on the bus). What was published is kept.
#pragma once

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "daemon/worker_jobs.h"
#include "event/bus.h"
#include "event/loop.h"
#include "git/git_files.h"
#include "store/capture_store.h"
#include "store/outbox_store.h"
#include "store/store.h"
#include "test_support.h"
#include "util/clock.h"

namespace devtrack::test {

using namespace std::chrono_literals;

struct Job {
  std::string topic;
  nlohmann::json payload;
};

class RecordingWorker : public WorkerJobs {
 public:
  void send(const std::string& topic, const std::string& payload) override {
    jobs.push_back({topic, nlohmann::json::parse(payload)});
  }
  void done(const std::string& topic, int64_t key) override { finished.push_back(topic + ":" + std::to_string(key)); }
  std::vector<Job> jobs;
  std::vector<std::string> finished;
};

// 2026-06-01T08:00:00Z, a Monday.
constexpr int64_t kStart = 1'780'300'800'000;

// One loop, bus and store in a fresh home, and what was published.
struct Rig {
  TempHome home;
  ManualClock clock{from_ms(kStart)};
  EventLoop loop{clock, 1};
  Bus bus{loop};
  Store store{home.file("devtrack.db")};
  RecordingWorker worker;
  std::vector<Job> published;
  Config config;

  Rig() {
    bus.subscribe("*", [this](const Event& e) { published.push_back({e.topic, nlohmann::json::parse(e.payload, nullptr, false)}); },
                  "test");
    config.settings.timezone = "UTC";
    config.settings.work_start_minute = 0;
    config.settings.work_end_minute = 24 * 60;
    config.settings.work_days.fill(true);
  }
  int64_t now() const { return clock.now_ms(); }
  // Runs what is ready on the loop (handlers, timers that are due), and
  // what those made ready, until nothing is: a slow handler (an fsync on a
  // busy disk) does not leave the rest for later.
  void settle() {
    loop.run_until([] { return false; }, 20ms);
    while (loop.run_pending() > 0) {
    }
  }
  void advance(std::chrono::milliseconds by) {
    clock.advance(by);
    settle();
  }
  size_t count(const std::string& topic) const {
    size_t n = 0;
    for (const auto& e : published) n += e.topic == topic;
    return n;
  }
  const Job* last(const std::string& topic) const {
    for (auto it = published.rbegin(); it != published.rend(); ++it)
      if (it->topic == topic) return &*it;
    return nullptr;
  }
  int64_t queue(const std::string& key, int64_t due_ms, const std::string& plugin = "github") {
    UpdateRow u;
    u.target_plugin = plugin;
    u.target = nlohmann::json{{"system", plugin}, {"repo", "acme/widgets"}, {"number", 12}}.dump();
    u.kind = "comment";
    u.state = UpdateState::kQueued;
    u.next_attempt_ms = due_ms;
    u.body = R"({"text": "fixed it"})";
    u.idempotency_key = key;
    REQUIRE(queue_update(store, u, now()));
    for (const auto& row : list_updates(store))
      if (row.idempotency_key == key) return row.id;
    FAIL("the row was not stored");
    return 0;
  }
  UpdateState state_of(int64_t id) { return get_update(store, id)->state; }
  // A real repository under the test's root, registered as watched (as
  // `devtrack repos add` stores it, without installing the hook).
  std::string watched_repo(const std::string& name) {
    std::string repo = make_repo(home.root() + "/" + name);
    Repo row;
    row.path = repo;
    row.git_dir = repo + "/.git";
    row.hooks_dir = repo + "/.git/hooks";
    save_repo(store, row);
    // As `devtrack repos add` does: commits from before are not watched.
    auto reflog = git::read_head_reflog(row.git_dir);
    if (!reflog.empty()) set_last_commit(store, find_repo(store, repo)->id, reflog.back().new_id);
    return repo;
  }
};

}  // namespace devtrack::test

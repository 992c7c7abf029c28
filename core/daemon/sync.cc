#include "daemon/sync.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "checkin/answer.h"
#include "checkin/prompt_view.h"
#include "config/config.h"
#include "daemon/worker_jobs.h"
#include "event/bus.h"
#include "event/loop.h"
#include "ipc/router.h"
#include "log/log.h"
#include "store/capture_store.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "sync/sync.h"

using nlohmann::json;

namespace devtrack {

namespace {

constexpr int64_t kStartDelayMs = 3'000;
constexpr int64_t kMaxBackoffMs = 3600'000;

int64_t ms(std::chrono::seconds s) { return std::chrono::duration_cast<std::chrono::milliseconds>(s).count(); }

}  // namespace

SyncService::SyncService(EventLoop& loop, Bus& bus, Store& store, const Config& config, WorkerJobs& worker,
                         std::function<void()> replanned)
    : loop_(loop), bus_(bus), store_(store), config_(config), worker_(worker), replanned_(std::move(replanned)) {}

void SyncService::start() {
  bus_.subscribe("sync.result", [this](const Event& e) { on_result(e.payload); }, "daemon");
  if (sync_setup(store_)) schedule_at(loop_.clock().now_ms() + kStartDelayMs);
}

void SyncService::changed() {
  if (!sync_setup(store_)) return;
  if (job_id_) {
    again_ = true;
    return;
  }
  int64_t last = sync_outcome(store_).last_try_ms.value_or(0);
  schedule_at(std::max(loop_.clock().now_ms(), last + ms(config_.sync.interval)));
}

// The earliest wins: a change does not push back a sooner round.
void SyncService::schedule_at(int64_t at_ms) {
  if (timer_ && timer_at_ms_ <= at_ms) return;
  if (timer_) loop_.cancel(timer_);
  timer_at_ms_ = at_ms;
  timer_ = loop_.call_at(from_ms(at_ms), [this] {
    timer_ = 0;
    run();
  });
}

void SyncService::run() {
  if (!sync_setup(store_) || job_id_) return;
  int64_t now = loop_.clock().now_ms();
  try {
    start_round(now);
  } catch (const std::exception& e) {  // the store busy or full: the round is tried again, not dropped
    job_id_ = 0;
    log::warn("sync", "could not start a sync round: {}", e.what());
    schedule_at(now + ms(config_.sync.interval));
  }
}

void SyncService::start_round(int64_t now) {
  auto setup = sync_setup(store_);
  note_sync_try(store_, now);
  auto key = sync_key();
  if (!key) return finish("no sync key here (devtrack sync-remote key import)", now);
  try {
    int sealed = seal_outgoing(store_, *setup, *key);
    if (sealed) log::info("sync", "sealed {} record(s) for {}", sealed, setup->remote);
  } catch (const std::exception& e) {  // a full disk: the records stay due, the round still fetches
    log::warn("sync", "could not seal this device's changes: {}", e.what());
  }
  job_id_ = ++last_job_id_;
  json request = {{"remote", setup->remote},
                  {"branch", setup->branch},
                  {"dir", sync_dir()},
                  {"device_dir", device_dir(*key, setup->me)},
                  {"since", sync_outcome(store_).head}};
  worker_.send("sync.exchange", json{{"job_id", job_id_}, {"request", request}}.dump());
}

void SyncService::on_result(const std::string& payload) {
  json result = json::parse(payload, nullptr, false);
  if (!result.is_object() || result.value("job_id", int64_t{0}) != job_id_ || !job_id_) return;
  worker_.done("sync.exchange", 0);
  job_id_ = 0;
  int64_t now = loop_.clock().now_ms();
  try {
    std::string status = result.value("status", "permanent");
    if (status == "ok") return merge_incoming(result, now);
    std::string message = result.value("message", std::string("the exchange failed"));
    finish(status == "auth" ? "the remote refused the credentials: " + message : message, now);
  } catch (const std::exception& e) {  // what is left in in/ is merged by the next round
    log::warn("sync", "could not finish the sync round: {}", e.what());
    schedule_at(now + ms(config_.sync.interval));
  }
}

void SyncService::merge_incoming(const json& result, int64_t now) {
  auto setup = sync_setup(store_);
  auto key = sync_key();
  if (!setup || !key) return finish("sync was turned off during the exchange", now);
  std::vector<std::string> names;
  for (const auto& n : result.value("incoming", json::array()))
    if (n.is_string()) names.push_back(n);
  SyncIntake intake;
  try {
    intake = take_incoming(store_, *setup, *key, names, now);
  } catch (const std::exception& e) {  // busy or full: what is left in in/ is merged next round
    return finish(std::string("could not merge the other devices' records: ") + e.what(), now);
  }
  for (int64_t prompt_id : intake.merged.edited_here) replan(prompt_id, now);
  if (!intake.merged.edited_here.empty()) replanned_();
  note_sync_head(store_, result.value("head", std::string()));
  if (intake.segments)
    log::info("sync", "merged {} segment(s): {} new, {} updated, {} older kept", intake.segments, intake.merged.added,
              intake.merged.updated, intake.merged.kept);
  std::string error;
  if (!intake.problems.empty())
    error = std::to_string(intake.problems.size()) +
            " segment(s) could not be opened with this device's key (sealed with another key?): kept in " +
            sync_dir() + "/in as NAME.bad";
  finish(error, now);
}

// An answer captured here was edited on another device: its updates are
// planned from the new text and parse, as a local edit's are, so the
// tracker gets the amend from this device only.
void SyncService::replan(int64_t prompt_id, int64_t now) {
  auto p = get_prompt(store_, prompt_id);
  auto r = latest_response(store_, prompt_id);
  if (!p || !r || r->state != PromptState::kAnswered || r->parsed.empty()) return settle_replanned(store_, prompt_id);
  json parsed = json::parse(r->parsed, nullptr, false);
  if (!parsed.is_object()) return settle_replanned(store_, prompt_id);
  try {
    RepoContext where = repo_context(store_, *p);
    save_parse(store_, config_, r->id, parsed, AnswerContext{r->raw_text, prompt_commits(store_, prompt_id), where.slug},
               now);
  } catch (const std::exception& e) {
    log::warn("sync", "could not plan the updates of prompt {} edited elsewhere: {}", prompt_id, e.what());
  }
  settle_replanned(store_, prompt_id);
}

void SyncService::finish(const std::string& error, int64_t now) {
  if (error.empty()) {
    failures_ = 0;
    note_sync_end(store_, "", now);
  } else {
    ++failures_;
    note_sync_end(store_, error, now);
    log::warn("sync", "{}", error);
  }
  int64_t next = ms(config_.sync.poll);
  if (!error.empty()) next = std::min(next, std::min(kMaxBackoffMs, ms(config_.sync.interval) << std::min(failures_ - 1, 6)));
  if (again_) next = std::min(next, ms(config_.sync.interval));
  if (asked_) next = 0;
  again_ = asked_ = false;
  ++completed_;
  schedule_at(now + next);
}

json SyncService::status() {
  auto setup = sync_setup(store_);
  if (!setup) return {{"configured", false}};
  SyncOutcome o = sync_outcome(store_);
  auto or_null = [](const auto& v) { return v ? json(*v) : json(nullptr); };
  return {{"configured", true},
          {"remote", setup->remote},
          {"device", setup->me.name},
          {"in_flight", job_id_ != 0},
          {"completed", completed_},
          {"last_ok_ms", or_null(o.last_ok_ms)},
          {"last_try_ms", or_null(o.last_try_ms)},
          {"next_ms", timer_ ? json(timer_at_ms_) : json(nullptr)},
          {"last_error", or_null(o.last_error)}};
}

void SyncService::register_verbs(ipc::Router& router) {
  // {"round"}: the value of "completed" once the round asked for is done.
  router.add("sync-remote.now", [this](const json&) {
    if (!sync_setup(store_)) return json{{"started", false}, {"reason", "sync is not set up"}};
    if (job_id_) {
      asked_ = true;
      return json{{"started", true}, {"round", completed_ + 2}};
    }
    schedule_at(loop_.clock().now_ms());
    return json{{"started", true}, {"round", completed_ + 1}};
  });
  router.add("sync-remote.status", [this](const json&) { return status(); });
  router.add("sync-remote.changed", [this](const json&) {  // set up, or pointed elsewhere: sync now
    if (timer_) loop_.cancel(timer_);
    timer_ = 0;
    if (sync_setup(store_) && !job_id_) schedule_at(loop_.clock().now_ms());
    return json{{"ok", true}};
  });
}

}  // namespace devtrack

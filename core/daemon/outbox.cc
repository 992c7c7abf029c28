#include "daemon/outbox.h"

#include <SQLiteCpp/Exception.h>

#include <nlohmann/json.hpp>

#include "daemon/worker_jobs.h"
#include "event/bus.h"
#include "event/loop.h"
#include "ipc/router.h"
#include "log/log.h"
#include "outbox/outbox.h"
#include "store/capture_store.h"
#include "store/outbox_store.h"
#include "store/store.h"

using nlohmann::json;

namespace devtrack {

Outbox::Outbox(EventLoop& loop, Bus& bus, Store& store, WorkerJobs& worker)
    : loop_(loop), bus_(bus), store_(store), worker_(worker) {
  bus_.subscribe("tracker.result", [this](const Event& e) { on_result(e.payload); }, "outbox");
  // After Capture has stored them (posted: it runs once this event is done).
  bus_.subscribe("trigger.details", [this](const Event&) {
    if (!details_wait_.empty()) loop_.post([this] { deliver_due(); });
  }, "outbox");
}

void Outbox::start() {
  if (int n = requeue_interrupted(store_, loop_.clock().now_ms()))
    log::info("outbox", "{} update(s) were being sent when DevTrack stopped: checking them again", n);
  schedule();
}

void Outbox::changed() { schedule(); }

void Outbox::register_verbs(ipc::Router& router) {
  router.add("updates.changed", [this](const json&) {
    changed();
    return json{{"ok", true}};
  });
  router.add("sync", [this](const json&) { return json{{"due", sync()}}; });
}

int Outbox::sync() {
  int n = make_all_due(store_, loop_.clock().now_ms());
  schedule();
  return n;
}

void Outbox::schedule() {
  if (timer_) loop_.cancel(timer_);
  timer_ = 0;
  int64_t due = next_due_ms(store_);
  if (!due) return;
  int64_t now = loop_.clock().now_ms();
  int64_t at = std::max(due, now);
  if (!details_wait_.empty()) at = std::max(at, now + kDetailsRecheck.count());
  timer_ = loop_.call_at(from_ms(at), [this] {
    timer_ = 0;
    deliver_due();
  });
}

namespace {

// A commit entry of a body whose subject is not filled in yet.
bool lacks_subject(const json& c) {
  if (!c.is_object() || !c.contains("commit") || !c["commit"].is_string()) return false;
  return !c.contains("summary") || !c["summary"].is_string() || c["summary"].get_ref<const std::string&>().empty();
}

bool has_commits(const json& body) {
  return body.is_object() && body.contains("commits") && body["commits"].is_array();
}

// The commits' subjects the worker read after the answer was planned (a
// cold worker reads them after the inline prompt is answered), and for an
// answer accepted with Enter the text made of them.
json with_subjects(Store& store, json body) {
  if (body.is_discarded()) return json::object();
  if (!has_commits(body)) return body;
  bool filled = false;
  for (auto& c : body["commits"]) {
    if (!lacks_subject(c)) continue;
    std::string subject = commit_summary(store, c["commit"]);
    if (subject.empty()) continue;
    c["summary"] = subject;
    filled = true;
  }
  if (filled && body.value("accepted", false)) body["text"] = accepted_text(body["commits"]);
  return body;
}

}  // namespace

void Outbox::deliver_due() {
  int64_t now = loop_.clock().now_ms();
  std::map<int64_t, TimePointSteady> waiting;
  for (const auto& u : due_updates(store_, now)) {
    if (in_flight_.count(u.id)) continue;
    json body = with_subjects(store_, json::parse(u.body.empty() ? "{}" : u.body, nullptr, false));
    if (awaits_commit_details(u.id, body, waiting)) continue;
    bool check_first = u.attempts > 0;  // an earlier attempt may have gone out
    mark_sending(store_, u.id, now);
    in_flight_.insert(u.id);
    json job = {{"update_id", u.id},
                {"plugin", u.target_plugin},
                {"kind", u.kind},
                {"ticket", json::parse(u.target)},
                {"body", std::move(body)},
                {"idempotency_key", u.idempotency_key},
                {"remote_id", u.remote_id},
                {"check_first", check_first}};
    worker_.send("tracker.deliver", job.dump());
  }
  details_wait_ = std::move(waiting);
  schedule();
}

// A comment names its commits by their subjects, which the worker reads
// after the commit; a cold worker on a busy machine may not have yet when
// the grace delay ends. The update (its body with the subjects known so
// far) waits for the rest (it is looked at again when details arrive), at
// most kDetailsWait, then goes with what is known.
bool Outbox::awaits_commit_details(int64_t id, const json& body, std::map<int64_t, TimePointSteady>& waiting) {
  if (!has_commits(body)) return false;
  bool pending = false;
  for (const auto& c : body["commits"])
    if (lacks_subject(c) && commit_details_pending(store_, c["commit"])) pending = true;
  if (!pending) return false;
  auto now = std::chrono::steady_clock::now();
  auto since = details_wait_.count(id) ? details_wait_[id] : now;
  if (now - since >= kDetailsWait) {
    log::warn("outbox", "update {}: its commits were not read in {} s; sent without their subjects", id,
              kDetailsWait.count());
    return false;
  }
  waiting[id] = since;
  return true;
}

// A result the database cannot record yet (busy past its timeout, a full
// disk) is kept and applied again later, never dropped: until then its row
// stays `sending`, which is handed out to no one, and a restart in between
// has the tracker's find() look for the post before any new attempt.
void Outbox::on_result(const std::string& payload) {
  json r = json::parse(payload, nullptr, false);
  if (!r.is_object() || !r.contains("update_id") || !r["update_id"].is_number_integer()) {
    log::warn("outbox", "ignoring a malformed tracker.result");
    return;
  }
  int64_t id = r["update_id"];
  in_flight_.erase(id);
  worker_.done("tracker.deliver", id);
  try {
    apply_result(id, r);
    schedule();
  } catch (const SQLite::Exception& e) {
    log::error("outbox", "cannot record the result of update {} yet: {}; trying again in {} s", id, e.what(),
               kResultRetry.count());
    loop_.call_at(add_saturating(loop_.clock().now(), kResultRetry), [this, payload] { on_result(payload); });
  } catch (const std::exception& e) {
    // Not the database: a result of the wrong shape, which waiting will not
    // mend. The row stays `sending`; the next start's find() settles it.
    log::error("outbox", "ignoring the result of update {}: {}", id, e.what());
  }
}

void Outbox::apply_result(int64_t id, const json& r) {
  auto u = get_update(store_, id);
  if (!u) return;
  int64_t now = loop_.clock().now_ms();
  std::string status = r.value("status", "permanent");
  std::string message = r.value("message", "");
  if (status == "ok") {
    mark_sent(store_, id, r.value("remote_id", ""), now);
    log::info("outbox", "update {} sent to {} ({})", id, u->target_plugin, r.value("remote_id", ""));
    bus_.publish("tracker.update.sent", json{{"update_id", id}, {"remote_id", r.value("remote_id", "")}}.dump());
  } else if (status == "retry" && u->attempts < kMaxAttempts) {
    std::uniform_real_distribution<double> unit(0, 1);
    int64_t delay = retry_delay_ms(u->attempts, r.value("retry_after_s", 0), unit(random_));
    mark_retry(store_, id, now + delay, message, now);
    log::warn("outbox", "update {} to {}: {}; retry {} in {} s", id, u->target_plugin, message, u->attempts + 1,
              delay / 1000);
  } else if (status == "auth") {
    block_plugin(store_, u->target_plugin, message, now);
    log::error("outbox", "{} refused the credentials: its updates are blocked until fixed ({})", u->target_plugin,
               message);
    bus_.publish("tracker.update.failed",
                 json{{"update_id", id}, {"state", to_text(UpdateState::kBlocked)}, {"message", message}}.dump());
  } else {
    mark_state(store_, id, UpdateState::kFailed, message, now);
    log::error("outbox", "update {} to {} failed: {}", id, u->target_plugin, message);
    bus_.publish("tracker.update.failed",
                 json{{"update_id", id}, {"state", to_text(UpdateState::kFailed)}, {"message", message}}.dump());
  }
}

}  // namespace devtrack

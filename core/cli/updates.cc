// devtrack updates list | retry | drop, and devtrack sync: the outbox.
#include <SQLiteCpp/Transaction.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "ipc/ipc.h"
#include "outbox/outbox.h"
#include "store/outbox_store.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/paths.h"

using nlohmann::json;

namespace devtrack::cli {

namespace {

json row_json(const UpdateRow& u) {
  json target = json::parse(u.target, nullptr, false);
  bool delivery = u.kind == "delivery";
  return {{"id", u.id},
          {"target_plugin", u.target_plugin},
          {"target", target},
          {"ticket", delivery ? json(nullptr) : target},
          {"kind", u.kind},
          {"state", to_text(u.state)},
          {"attempts", u.attempts},
          {"next_attempt", u.state == UpdateState::kQueued ? json(local_iso_time(u.next_attempt_ms)) : json(nullptr)},
          {"remote_id", u.remote_id.empty() ? json(nullptr) : json(u.remote_id)},
          {"last_error", u.last_error.empty() ? json(nullptr) : json(u.last_error)},
          {"idempotency_key", u.idempotency_key}};
}

// A delivery to a sink's own destination (a channel): what and which day.
std::string delivery_text(const json& body) {
  if (!body.is_object()) return "";
  return body.value("what", std::string("summary")) + " " + body.value("date", std::string());
}

int list(const po::variables_map& args) {
  Store store(paths::database());
  auto rows = list_updates(store);
  if (args.count("json")) {
    json out = json::array();
    for (const auto& u : rows) out.push_back(row_json(u));
    std::cout << out.dump(2) << "\n";
    return kOk;
  }
  if (rows.empty()) {
    std::cout << "the outbox is empty\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> table = {{"ID", "TRACKER", "TARGET", "KIND", "STATE", "TRIES", "NOTE"}};
  for (const auto& u : rows) {
    json t = json::parse(u.target, nullptr, false);
    // A bare #12 reads as the repository it goes to (the update's routing).
    json body = json::parse(u.body, nullptr, false);
    if (t.is_object() && t.contains("repo") && t["repo"].is_null() && body.is_object() && body.contains("repo") &&
        body["repo"].is_string() && !body["repo"].get<std::string>().empty())
      t["repo"] = body["repo"];
    std::string target = t.is_string() ? t.get<std::string>() : t.is_null() ? delivery_text(body) : ticket_text(t);
    if (target.empty()) target = u.target;
    table.push_back({std::to_string(u.id), u.target_plugin, target, u.kind, to_text(u.state), std::to_string(u.attempts),
                     u.state == UpdateState::kSent ? (u.remote_id.empty() ? "posted" : "posted as " + u.remote_id)
                                       : u.last_error});
  }
  print_table(table);
  return kOk;
}

int64_t id_arg(const po::variables_map& args) {
  try {
    size_t used = 0;
    int64_t id = std::stoll(args["ID"].as<std::string>(), &used);
    if (used == args["ID"].as<std::string>().size() && id > 0) return id;
  } catch (const std::exception&) {
  }
  throw UsageError("ID must be an update number (devtrack updates list)");
}

UpdateRow require(Store& store, int64_t id) {
  auto u = get_update(store, id);
  if (!u) throw Error("there is no update " + std::to_string(id) + " (devtrack updates list)");
  return *u;
}

int retry(const po::variables_map& args) {
  Store store(paths::database());
  UpdateRow u = require(store, id_arg(args));
  if (u.state == UpdateState::kSent || u.state == UpdateState::kSending) throw Error("update " + std::to_string(u.id) + " is " + to_text(u.state));
  SQLite::Transaction tx(store.db(), SQLite::TransactionBehavior::IMMEDIATE);  // a day's comment and its answers
  mark_state(store, u.id, UpdateState::kQueued, "", process_clock().now_ms());
  tx.commit();
  tell_daemon_updates_changed();
  std::cout << "update " << u.id << " queued again\n";
  return kOk;
}

int drop(const po::variables_map& args) {
  Store store(paths::database());
  UpdateRow u = require(store, id_arg(args));
  if (u.state == UpdateState::kSent) throw Error("update " + std::to_string(u.id) + " was sent already");
  SQLite::Transaction tx(store.db(), SQLite::TransactionBehavior::IMMEDIATE);  // a day's comment and its answers
  mark_state(store, u.id, UpdateState::kDropped, "", process_clock().now_ms());
  tx.commit();
  tell_daemon_updates_changed();
  std::cout << "update " << u.id << " dropped\n";
  return kOk;
}

int sync(const po::variables_map& args) {
  json r = json::parse(daemon_call("sync"));
  std::cout << "sending " << r["due"] << " queued update(s) now\n";
  if (!args.count("wait")) return kOk;
  Store store(paths::database());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(args["wait"].as<int>());
  while (std::chrono::steady_clock::now() < deadline) {
    int64_t due = next_due_ms(store);
    bool busy = count_updates_by_state(store)[UpdateState::kSending] > 0 || (due && due <= process_clock().now_ms());
    if (!busy) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto counts = count_updates_by_state(store);
  int64_t waiting = counts[UpdateState::kQueued] + counts[UpdateState::kSending], stuck = counts[UpdateState::kFailed] + counts[UpdateState::kBlocked];
  if (!waiting && !stuck) std::cout << "all sent\n";
  if (waiting) std::cout << waiting << " update(s) still waiting\n";
  if (stuck) std::cout << stuck << " update(s) failed or blocked\n";
  if (waiting || stuck) std::cout << "see devtrack updates list\n";
  return waiting || stuck ? kFailure : kOk;
}

}  // namespace

extern const Command kUpdatesList = {
    "updates list", "list the outbox: updates for the trackers and their state", "",
    [](Spec& s) { s.options.add_options()("json", "print a JSON array for scripts"); },
    list,
};

extern const Command kUpdatesRetry = {
    "updates retry", "queue a failed, blocked or dropped update again", "",
    [](Spec& s) { s.positionals.push_back({"ID"}); },
    retry,
};

extern const Command kUpdatesDrop = {
    "updates drop", "give up on an update that was not sent", "",
    [](Spec& s) { s.positionals.push_back({"ID"}); },
    drop,
};

extern const Command kSync = {
    "sync", "send every queued update now (the grace delay is skipped)", "",
    [](Spec& s) {
      s.options.add_options()("wait", po::value<int>()->implicit_value(60)->value_name("SECONDS"),
                              "wait until they are sent (at most SECONDS, default 60)");
    },
    sync,
};

}  // namespace devtrack::cli

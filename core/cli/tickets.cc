// devtrack tickets: the open tickets assigned to you in each enabled
// tracker, as the worker last fetched them (hourly while prompts come, and
// kept a week for offline use); --refresh fetches them now.
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "ipc/ipc.h"
#include "outbox/outbox.h"
#include "store/assigned.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/paths.h"

using nlohmann::json;

namespace devtrack::cli {

namespace {

// Asks the daemon to fetch the lists now and waits for the worker's
// answer; reports trackers that could not list to stderr. False on timeout.
bool refresh(Store& store, int wait_s) {
  json r;
  try {
    r = json::parse(daemon_call("tickets.refresh"));
  } catch (const ipc::NotRunning&) {
    std::cerr << "devtrack: the daemon is not running, so nothing was fetched (devtrack start); showing what is kept\n";
    return false;
  }
  if (!r.value("fetching", false)) throw Error("no tracker plugin is enabled (devtrack plugins list)");
  int64_t seq = r.value("seq", int64_t{0});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_s);
  while (std::chrono::steady_clock::now() < deadline) {
    json last = json::parse(store.kv_get("daemon", "assigned_last").value_or("{}"), nullptr, false);
    if (last.is_object() && last.value("seq", int64_t{0}) >= seq) {
      json trackers = last.value("trackers", json::object());  // kept alive while iterating
      for (const auto& [id, t] : trackers.items())
        if (t.value("status", "") != "ok")
          std::cerr << "devtrack: " << id << ": cannot list your tickets: " << t.value("message", "") << "\n";
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::cerr << "devtrack: no answer from the trackers within " << wait_s << " s; showing what is kept\n";
  return false;
}

std::string age(int64_t ms) {
  int64_t min = ms / 60'000;
  if (min < 1) return "just now";
  if (min < 60) return std::to_string(min) + " min ago";
  if (min < 48 * 60) return std::to_string(min / 60) + " h ago";
  return std::to_string(min / 1440) + " days ago";
}

int run(const po::variables_map& args) {
  Loaded loaded = load_config_and_plugins();
  Store store(paths::database());
  if (args.count("refresh")) refresh(store, args["wait"].as<int>());
  int64_t now = process_clock().now_ms();
  auto lists = assigned_lists(store, enabled_trackers(loaded), now);
  if (args.count("json")) {
    json out = json::array();
    for (const auto& l : lists)
      for (auto t : json::parse(l.tickets_json)) {
        t["plugin"] = l.plugin;
        t["fetched"] = local_iso_time(l.fetched_ms, loaded.config.settings.timezone);
        out.push_back(t);
      }
    std::cout << out.dump(2) << "\n";
    return kOk;
  }
  if (lists.empty()) {
    std::cout << "no list of your tickets yet: it is fetched with the next prompt, or now with devtrack tickets "
                 "--refresh\n";
    return kOk;
  }
  std::vector<std::vector<std::string>> table = {{"TRACKER", "TICKET", "STATE", "TITLE"}};
  for (const auto& l : lists)
    for (const auto& t : json::parse(l.tickets_json))
      table.push_back({l.plugin, ticket_text(t["ticket"]), t.value("state", ""), t.value("title", "")});
  print_table(table);
  for (const auto& l : lists) std::cout << l.plugin << ": fetched " << age(now - l.fetched_ms) << "\n";
  return kOk;
}

}  // namespace

extern const Command kTickets = {
    "tickets", "list the open tickets assigned to you in your trackers",
    "The lists are fetched by the daemon's worker when a prompt opens (at most hourly) and kept a week, so "
    "prompts and summaries have them offline. --refresh fetches them now.",
    [](Spec& s) {
      s.options.add_options()("refresh", "fetch the lists now (needs the daemon)")(
          "wait", po::value<int>()->default_value(30)->value_name("SECONDS"), "how long --refresh waits")(
          "json", "print a JSON array for scripts");
    },
    run,
};

}  // namespace devtrack::cli

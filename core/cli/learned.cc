// devtrack learned list | forget: what DevTrack learned about reading your
// answers (checkin/learning.h) — tickets a tracker said do not exist, and
// tickets you corrected — shown and forgotten.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "checkin/learning.h"
#include "cli/cli_common.h"
#include "cli/command.h"
#include "outbox/outbox.h"
#include "store/store.h"
#include "util/error.h"
#include "util/json_text.h"
#include "util/paths.h"

using nlohmann::json;

namespace devtrack::cli {

namespace {

std::unique_ptr<Store> existing_store() {
  std::error_code ec;
  if (!std::filesystem::exists(paths::database(), ec)) return nullptr;
  return std::make_unique<Store>(paths::database());
}

std::string shown(const std::string& ticket_json) {
  json t = json::parse(ticket_json, nullptr, false);
  return t.is_object() ? ticket_text(t) : "";
}

int list(const po::variables_map& args) {
  auto store = existing_store();
  std::vector<Learned> all = store ? learned(*store) : std::vector<Learned>{};
  if (args.count("json")) {
    json out = json::array();
    for (const auto& l : all)
      out.push_back({{"key", l.key},
                     {"kind", l.kind},
                     {"repo", l.repo.empty() ? json(nullptr) : json(l.repo)},
                     {"ticket", json::parse(l.ticket_json, nullptr, false)},
                     {"instead", json::parse(l.instead_json, nullptr, false)},
                     {"why", l.why},
                     {"at", local_iso_time(l.at_ms)}});
    std::cout << dump_text(out) << "\n";
    return kOk;
  }
  if (all.empty()) {
    std::cout << "nothing learned yet\n";
    return kOk;
  }
  for (const auto& l : all) {
    std::string what = shown(l.ticket_json) + (l.instead_json != "null" ? " -> " + shown(l.instead_json) : " dropped");
    std::cout << what << "  (" << l.why << (l.repo.empty() ? "" : ", in " + l.repo) << ", "
              << local_iso_time(l.at_ms) << ")\n    key: " << l.key << "\n";
  }
  return kOk;
}

int forget(const po::variables_map& args) {
  bool everything = args.count("all") > 0;
  if (everything == (args.count("KEY") > 0)) throw UsageError("give the KEY `devtrack learned list` shows, or --all");
  auto store = existing_store();
  int n = store ? forget_learned(*store, everything ? "" : args["KEY"].as<std::string>()) : 0;
  if (!everything && n == 0) throw Error("nothing learned has the key '" + args["KEY"].as<std::string>() + "'");
  std::cout << "forgot " << n << (n == 1 ? " thing" : " things") << " learned\n";
  return kOk;
}

}  // namespace

extern const Command kLearnedList = {
    "learned list",
    "what DevTrack learned about reading your answers",
    "Tickets a tracker said do not exist (not proposed again anywhere) and\n"
    "tickets you put right with `devtrack checkin --edit` (read as the one you\n"
    "wrote, next time in that repository). `devtrack parse --explain` shows where\n"
    "one applies; `devtrack learned forget` undoes it.",
    [](Spec& s) { s.options.add_options()("json", "print a JSON array"); },
    list,
};

extern const Command kLearnedForget = {
    "learned forget",
    "forget one thing learned (by its key), or everything with --all",
    "",
    [](Spec& s) {
      s.options.add_options()("all", "forget everything learned");
      s.positionals.push_back({"KEY", 1, false});
    },
    forget,
};

}  // namespace devtrack::cli

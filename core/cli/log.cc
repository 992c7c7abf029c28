// devtrack log: what was captured (commits, plugin triggers with their titles, devtrack ask).
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "checkin/trigger_text.h"
#include "config/work_hours.h"
#include "git/git_files.h"
#include "store/capture_store.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "sync/records.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/paths.h"

namespace devtrack::cli {

namespace {

// The answer to the trigger's prompt, in the shape of `devtrack parse`.
nlohmann::json response_json(Store* store, int64_t trigger_id) {
  if (!store) return nullptr;
  auto r = response_for_trigger(*store, trigger_id);
  if (!r) return nullptr;
  nlohmann::json parsed = nlohmann::json::parse(r->parsed.empty() ? "{}" : r->parsed, nullptr, false);
  if (!parsed.is_object()) parsed = nlohmann::json::object();
  auto field = [&](const char* k) { return parsed.contains(k) ? parsed[k] : nlohmann::json(nullptr); };
  nlohmann::json out = {{"state", to_text(r->state)},
          {"at", local_iso_time(r->at_ms)},
          {"text", r->state == PromptState::kAnswered ? nlohmann::json(r->raw_text) : nlohmann::json(nullptr)},
          {"tickets", parsed.contains("tickets") ? parsed["tickets"] : nlohmann::json::array()},
          {"project", field("project")},
          {"duration_minutes", field("duration_minutes")},
          {"duration_source", field("duration_source")},
          {"break", parsed.value("break", false)},
          {"status", field("status")},
          {"device", DeviceLabels(*store)(r->device)}};
  // A reference more than one tracker fits, kept as text until chosen.
  if (parsed.contains("ambiguous_tickets")) out["ambiguous_tickets"] = parsed["ambiguous_tickets"];
  return out;
}

// " (45 min, proposed from activity)": the minutes and where they came from.
std::string minutes_note(const ResponseRow& r) {
  nlohmann::json parsed = nlohmann::json::parse(r.parsed.empty() ? "{}" : r.parsed, nullptr, false);
  if (!parsed.is_object()) return "";
  if (parsed.value("break", false)) return " (a break: nothing logged)";
  if (!parsed.contains("duration_minutes") || !parsed["duration_minutes"].is_number_integer()) return "";
  std::string source = parsed.value("duration_source", "");
  std::string how = source == "proposed"    ? ", proposed from activity"
                    : source == "suggested" ? ", from the trigger"
                                            : "";
  return " (" + minutes_text(parsed["duration_minutes"].get<int64_t>()) + how + ")";
}

int run(const po::variables_map& args) {
  TriggerQuery q;
  q.limit = args["lines"].as<int>();
  if (q.limit <= 0) throw UsageError("--lines must be positive");
  if (args.count("since")) {
    std::string since = args["since"].as<std::string>();
    if (auto d = parse_duration(since)) {
      q.since_ms = process_clock().now_ms() - d->count() * 1000;
    } else if (auto t = parse_utc_time(since)) {
      q.since_ms = to_ms(*t);
    } else {
      throw UsageError("--since takes a duration (2h, 1d) or a UTC time (2026-03-29T00:00:00Z)");
    }
  }
  if (args.count("repo")) {
    std::string repo = args["repo"].as<std::string>();
    try {
      q.repo = git::resolve_dirs(repo).top;
    } catch (const Error&) {
      q.repo = std::filesystem::weakly_canonical(repo).string();
    }
  }
  std::error_code ec;
  std::vector<TriggerRow> rows;
  std::unique_ptr<Store> store_ptr;
  if (std::filesystem::exists(paths::database(), ec)) {
    store_ptr = std::make_unique<Store>(paths::database());
    rows = list_triggers(*store_ptr, q);
  }
  if (args.count("json")) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& t : rows) {
      nlohmann::json details = t.has_details ? nlohmann::json::parse(t.details, nullptr, false) : nlohmann::json();
      auto field = [](const std::string& s) { return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s); };
      out.push_back({{"id", t.id},
                     {"kind", t.kind},
                     {"at", local_iso_time(t.at_ms)},
                     {"repo", field(t.repo)},
                     {"branch", field(t.branch)},
                     {"commit", field(t.commit)},
                     {"message", details.is_object() && details.contains("message") ? details["message"] : nullptr},
                     {"title", field(trigger_label(trigger_text(t.details), configured_zone("")))},
                     {"details", details.is_object() ? details : nlohmann::json(nullptr)},
                     {"response", response_json(store_ptr.get(), t.id)}});
    }
    std::cout << out.dump(2) << "\n";
    return kOk;
  }
  if (rows.empty()) {
    std::cout << "nothing captured yet\n";
    return kOk;
  }
  for (const auto& t : rows) {
    nlohmann::json details = t.has_details ? nlohmann::json::parse(t.details, nullptr, false) : nlohmann::json();
    // A commit's subject as the worker read it; any other trigger's title
    // as its plugin gave it.
    std::string summary = trigger_label(trigger_text(t.details), configured_zone(""));
    if (!t.commit.empty() && details.is_object() && details.contains("summary") && details["summary"].is_string())
      summary = details["summary"].get<std::string>();
    std::cout << local_iso_time(t.at_ms) << "  " << t.kind;
    if (!t.commit.empty()) std::cout << "  " << t.commit.substr(0, 10);
    if (!t.repo.empty()) std::cout << "  " << std::filesystem::path(t.repo).filename().string();
    if (!t.branch.empty()) std::cout << " (" << t.branch << ")";
    if (!summary.empty()) std::cout << "  " << summary;
    std::cout << "\n";
    if (auto r = store_ptr ? response_for_trigger(*store_ptr, t.id) : std::nullopt) {
      if (r->state == PromptState::kAnswered) std::cout << "    answered: " << r->raw_text << minutes_note(*r) << "\n";
      else std::cout << "    " << to_text(r->state) << "\n";
    }
  }
  return kOk;
}

}  // namespace

extern const Command kLog = {
    "log",
    "show what was captured: commits and the triggers of plugins (timer, editor...) and devtrack ask",
    "",
    [](Spec& s) {
      s.options.add_options()("json", "print a JSON array for scripts")(
          "since", po::value<std::string>()->value_name("WHEN"), "only since a duration ago (2h, 1d) or a UTC time")(
          "repo", po::value<std::string>()->value_name("PATH"), "only this repository")(
          "lines,n", po::value<int>()->default_value(100)->value_name("N"), "at most N entries (the newest)");
    },
    run,
};

}  // namespace devtrack::cli

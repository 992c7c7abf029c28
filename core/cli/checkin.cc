// devtrack checkin: answer the pending prompt(s) — in the terminal through
// the tty surface plugin (checkin_terminal.h), or from scripts with --answer
// / --skip / --defer. This file is the command and its dispatch; the
// answer pipeline (stored first, then parsed, then the daemon told) is
// checkin_session.h.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/checkin_session.h"
#include "cli/checkin_terminal.h"
#include "cli/cli_common.h"
#include "cli/command.h"
#include "config/work_hours.h"
#include "git/git_files.h"
#include "outbox/outbox.h"
#include "plugin/registry.h"
#include "store/daemon_state.h"
#include "store/prompt_store.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/error.h"

using nlohmann::json;

namespace devtrack::cli {

namespace {

// The database cannot even be opened (busy past the timeout, full): an
// answer given on the command line comes back to the user, never lost.
std::unique_ptr<Checkin> open_checkin(const po::variables_map& args) {
  try {
    return std::make_unique<Checkin>();
  } catch (const std::exception& e) {
    if (!args.count("answer")) throw;
    throw Error(std::string(e.what()) + "\nyour answer was NOT saved; it was: " + args["answer"].as<std::string>());
  }
}

// --list: the waiting prompts, as they would be asked.
int list_prompts(Checkin& c, bool json_out) {
  auto rows = unanswered_prompts(c.store());
  json list = json::array();
  for (const auto& p : rows) list.push_back(c.view(p));
  if (json_out) {
    std::cout << list.dump(2) << "\n";
    return kOk;
  }
  if (list.empty()) std::cout << "nothing to answer\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const json& p = list[i];
    std::cout << "prompt " << p["id"] << " (" << p["state"].get<std::string>() << ", asked "
              << local_moment(rows[i].created_ms, c.config().settings.timezone) << ")";
    if (p["repo"].is_string()) std::cout << " " << std::filesystem::path(p["repo"].get<std::string>()).filename().string();
    if (p["branch"].is_string()) std::cout << " (" << p["branch"].get<std::string>() << ")";
    if (!p["commits"].empty()) std::cout << ", " << p["commits"].size() << " commit(s)";
    if (!p["suggestion"].is_null()) std::cout << ", suggested " << ticket_text(p["suggestion"]);
    std::cout << "\n";
  }
  return kOk;
}

std::string checked_project(Checkin& c, const po::variables_map& args) {
  if (!args.count("project")) return "";
  std::string project = args["project"].as<std::string>();
  for (const auto& p : c.config().projects)
    if (p.id == project) return project;
  throw UsageError("--project: no project '" + project + "' in the config");
}

// --answer, --skip, --defer, --edit: one prompt, no questions asked.
int answer_from_args(Checkin& c, const po::variables_map& args) {
  std::string project = checked_project(c, args);
  if (args.count("edit")) {
    auto p = get_prompt(c.store(), args["edit"].as<int64_t>());
    if (!p) throw Error("there is no prompt " + std::to_string(args["edit"].as<int64_t>()));
    if (!args.count("answer")) throw UsageError("--edit needs --answer TEXT with the corrected answer");
    c.correct(*p, args["answer"].as<std::string>());
  } else if (args.count("answer")) {
    PromptRow p = c.pick(args);
    json parsed = c.answer(p, args["answer"].as<std::string>(), !args.count("no-suggestion"), project, nullptr);
    if (args.count("json")) std::cout << json{{"prompt_id", p.id}, {"parsed", parsed}}.dump() << "\n";
    else Checkin::print_recorded(p.id, parsed);
  } else if (args.count("skip")) {
    PromptRow p = c.pick(args);
    c.respond(p, PromptState::kSkipped);
    std::cout << "skipped prompt " << p.id << "\n";
  } else {
    std::string d = args["defer"].as<std::string>();
    auto delay = d.empty() ? c.config().prompt.defer : parse_duration(d).value_or(std::chrono::seconds(0));
    if (delay.count() <= 0) throw UsageError("--defer takes a duration like 30m");
    if (auto range = duration_range_error("--defer", delay); !range.empty()) throw UsageError(range);
    PromptRow p = c.pick(args);
    int64_t due = process_clock().now_ms() + delay.count() * 1000;
    c.respond(p, PromptState::kDeferred, due);
    std::cout << "prompt " << p.id << " comes back " << local_when(due, c.config().settings.timezone) << "\n";
  }
  return kOk;
}

// --inline, from the post-commit hook: only when configured, and only for
// the prompt of this repository, which the daemon opens in a few ms.
int ask_inline(Checkin& c, const po::variables_map& args) {
  if (!c.config().prompt.inline_prompt || !args.count("repo")) return kOk;
  // Not while paused, nor outside working hours: the prompt waits.
  if (paused(c.store(), process_clock().now_ms())) return kOk;
  if (!in_work_hours(c.config(), process_clock().now_ms())) return kOk;
  std::string repo = git::resolve_dirs(args["repo"].as<std::string>()).top;
  std::optional<PromptRow> p;
  for (int i = 0; i < 100 && !p; ++i) {
    p = open_prompt(c.store(), repo);
    if (!p) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!p) return kOk;
  Terminal term(load_registry(), c.config());
  ask_in_terminal(c, term, *p, static_cast<int>(c.config().prompt.inline_timeout.count()));
  return kOk;
}

void mention_summary_due(Checkin& c) {
  if (auto due = c.store().kv_get("daemon", "summary_due"))
    std::cout << "The summary of " << *due << " is ready: devtrack summary --edit\n";
}

// Interactive: every waiting prompt in turn (or just --id).
int ask_waiting(Checkin& c, const po::variables_map& args) {
  std::vector<PromptRow> todo = args.count("id") ? std::vector<PromptRow>{c.pick(args)} : unanswered_prompts(c.store());
  if (todo.empty()) {
    std::cout << "nothing to answer\n";
    mention_summary_due(c);
    return kOk;
  }
  Terminal term(load_registry(), c.config());
  for (const auto& p : todo)
    if (!ask_in_terminal(c, term, p, 0)) break;
  mention_summary_due(c);
  return kOk;
}

int run_checkin(const po::variables_map& args) {
  std::unique_ptr<Checkin> checkin = open_checkin(args);
  Checkin& c = *checkin;
  if (args.count("list")) return list_prompts(c, args.count("json") > 0);
  if (args.count("edit") || args.count("answer") || args.count("skip") || args.count("defer")) {
    return answer_from_args(c, args);
  }
  checked_project(c, args);  // a wrong --project is an error also when nothing uses it
  if (args.count("inline")) return ask_inline(c, args);
  return ask_waiting(c, args);
}

// Whatever stops an answer from being stored, the user gets the text back.
int run(const po::variables_map& args) {
  try {
    return run_checkin(args);
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    std::string message = e.what();
    if (!args.count("answer") || message.find("your answer was:") != std::string::npos) throw;
    throw Error("cannot store the answer: " + message + "\nyour answer was: " + args["answer"].as<std::string>());
  }
}

}  // namespace

extern const Command kCheckin = {
    "checkin",
    "answer the pending prompt(s): in the terminal, or with --answer/--skip/--defer",
    "Without options, asks each waiting prompt in the terminal: Enter on an empty\n"
    "line accepts the suggested ticket, `c` clears it, `s` skips, `d` defers, `q`\n"
    "leaves it pending, Tab completes tickets and projects. An answer that names no\n"
    "ticket belongs to the suggested one. The answer is stored before anything else.\n"
    "Inside `git commit` (--inline) the prompt shows how long it waits for a first\n"
    "key (prompt.inline_timeout); typing stops the clock.",
    [](Spec& s) {
      s.options.add_options()("answer", po::value<std::string>()->value_name("TEXT"), "answer with TEXT")(
          "skip", "skip the prompt (it comes back in the end-of-day review)")(
          "defer", po::value<std::string>()->implicit_value("")->value_name("DURATION"),
          "ask again later (default prompt.defer)")(
          "id", po::value<int64_t>()->value_name("N"), "the prompt to answer (default: the oldest waiting)")(
          "list", "list the waiting prompts")(
          "edit", po::value<int64_t>()->value_name("N"), "correct the answer of prompt N (with --answer)")(
          "project", po::value<std::string>()->value_name("ID"), "the project, when the answer leaves it open")(
          "no-suggestion", "do not attach the suggested ticket to an answer that names none")(
          "inline", "ask inside `git commit` (what the hook runs)")(
          "repo", po::value<std::string>()->value_name("PATH"), "with --inline: the repository of the commit")(
          "json", "print JSON (with --list or --answer)");
    },
    run,
};

}  // namespace devtrack::cli

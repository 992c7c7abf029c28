// devtrack summary: the day's work as Markdown (or JSON, HTML); --edit opens
// it in $VISUAL/$EDITOR and maps the changes back; one confirmation (or
// --push / --send) posts the updates and e-mails the summary.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/answer_prompts.h"
#include "cli/cli_common.h"
#include "cli/command.h"
#include "ipc/ipc.h"
#include "store/outbox_store.h"
#include "store/store.h"
#include "summary/summary.h"
#include "summary/summary_edit.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/paths.h"
#include "util/process.h"
#include "util/strings.h"

using nlohmann::json;

namespace devtrack::cli {

namespace {

// Opens `file` in the user's editor; the command may carry arguments
// ("code --wait"), as git allows.
void run_editor(const std::string& file) {
  const char* editor = std::getenv("VISUAL");
  if (!editor || !*editor) editor = std::getenv("EDITOR");
  std::string command = editor && *editor ? editor : "vi";
  std::string error;
  int rc = run_program({"/bin/sh", "-c", command + " \"$1\"", "devtrack-editor", file}, &error);
  if (rc != 0)
    throw Error("the editor (" + command + ") " + (rc < 0 ? error : "exited with status " + std::to_string(rc)) +
                "; your copy is kept in " + file);
}

bool confirm(const std::string& question) {
  if (!::isatty(STDIN_FILENO)) return false;
  std::cout << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == "y" || answer == "Y" || answer == "yes";
}

// The e-mail rows for the summary, one per recipient (the outbox retries
// each on its own). A second send of the same text is recognised.
int queue_email(Store& store, const Config& config, const std::string& date, const std::string& markdown,
                int64_t now_ms) {
  if (!config.plugin_enabled("email"))
    throw Error("the email plugin is not enabled (devtrack plugins enable email; see docs/configuration.md)");
  json options = json::parse(config.plugin_config_json("email"));
  std::vector<std::string> recipients;
  for (const char* field : {"to", "cc"})
    for (const auto& r : options.value(field, json::array()))
      if (r.is_string()) recipients.push_back(r);
  if (recipients.empty()) throw Error("plugins.email.to names no recipient");
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(fnv1a64(markdown)));
  int queued = 0;
  for (const auto& to : recipients) {
    UpdateRow u;
    u.target_plugin = "email";
    u.target = json(to).dump();
    u.kind = "email";
    u.state = UpdateState::kQueued;
    u.next_attempt_ms = now_ms;
    u.body = json{{"date", date}, {"markdown", markdown}}.dump();
    u.idempotency_key = "email:" + date + ":" + to + ":" + hash;
    if (queue_update(store, u, now_ms)) ++queued;
    else std::cout << "the same summary went to " << to << " already\n";
  }
  return queued;
}

// An earlier --edit whose copy was not posted left the user's work in the
// kept file (the CLI told them it is there): it is moved aside, never
// overwritten.
void keep_earlier_copy(const std::string& kept, const std::string& fresh) {
  std::error_code ec;
  if (!std::filesystem::exists(kept, ec) || paths::read_file(kept) == fresh) return;
  std::string aside = kept.substr(0, kept.size() - 3) + "." + std::to_string(process_clock().now_ms()) + ".md";
  std::filesystem::rename(kept, aside, ec);
  if (ec) throw Error("cannot keep your earlier copy " + kept + ": " + ec.message());
  std::cerr << "devtrack: your earlier edited copy is kept as " << aside << "\n";
}

void print_plan(const SummaryEdits& e, const std::string& kept) {
  for (const auto& u : e.unmapped) std::cerr << "devtrack: not mapped (kept in " << kept << "): " << u << "\n";
  std::cout << e.edits.size() << " edited, " << e.removals.size() << " removed, " << e.fills.size()
            << " filled in\n";
}

int run(const po::variables_map& args) {
  Loaded loaded = load_config_and_plugins();
  const Config& config = loaded.config;
  std::string format = args["format"].as<std::string>();
  if (format != "md" && format != "json" && format != "html") throw UsageError("--format is md, json or html");
  Store store(paths::database());
  int64_t now = process_clock().now_ms();
  LocalDay day = local_day(args["date"].as<std::string>(), config.settings.timezone, now);
  std::string summary = day_summary_json(store, config, day, now);
  bool edit = args.count("edit"), push = args.count("push"), send = args.count("send");

  if (!edit && !push && !send) {
    if (format == "json") std::cout << json::parse(summary).dump(2) << "\n";
    else if (format == "html") std::cout << summary_html(summary);
    else std::cout << strip_summary_markers(summary_markdown(summary));
    return kOk;
  }

  std::string markdown = summary_markdown(summary);
  SummaryEdits edits;
  std::string kept = paths::home() + "/summaries/" + day.date + ".md";
  if (edit) {
    paths::ensure_private_dir(paths::home() + "/summaries");
    keep_earlier_copy(kept, markdown);
    paths::write_file_atomic(kept, markdown);
    run_editor(kept);
    markdown = paths::read_file(kept);
    edits = map_summary_edits(summary, markdown);
    print_plan(edits, kept);
    bool email = config.plugin_enabled("email");
    if (!push && !send) {
      std::string question = "Post the updates" + std::string(email ? " and e-mail the summary" : "") + "?";
      if (!confirm(question)) {
        std::cout << "nothing posted; your edited copy is " << kept << " (devtrack summary --edit --push)\n";
        return kOk;
      }
      push = true;
      send = email;
    }
  }
  if (push) {
    std::vector<std::pair<int64_t, std::string>> fills;
    for (const auto& f : edits.fills) fills.push_back({f.prompt_id, f.text});
    answer_prompts(fills);  // stored and parsed first, like checkin
    summary = day_summary_json(store, config, day, now);
    PushCounts c;
    try {
      c = apply_summary_edits(store, summary, edits, true, process_clock().now_ms());
    } catch (const std::exception& e) {  // one transaction: none of the edits is half-applied
      throw Error(std::string("your edits were not applied (") + e.what() + ")" +
                  (edit ? "; your edited copy is " + kept + " (devtrack summary --edit --push)" : ""));
    }
    std::cout << "posting: " << c.released << " released, " << c.edited << " edited, " << c.dropped
              << " dropped (devtrack updates list)\n";
    if (c.posted)
      std::cout << c.posted << " update(s) of deleted answers were posted already and stay on the tracker\n";
  }
  if (send) {
    int n = queue_email(store, config, day.date, strip_summary_markers(markdown), process_clock().now_ms());
    std::cout << "e-mail queued for " << n << " recipient(s)\n";
  }
  if (store.kv_get("daemon", "summary_due") == day.date) {  // the reminder is answered
    store.kv_erase("daemon", "summary_due");
    std::filesystem::remove(paths::home() + "/summary-due");
  }
  tell_daemon_updates_changed();
  return kOk;
}

}  // namespace

extern const Command kSummary = {
    "summary", "the day's work as Markdown; --edit it, then post the updates and e-mail it",
    "Grouped by project, then ticket: the answers, their commits, minutes and status, and an Unanswered\n"
    "section for skipped and expired prompts. --edit opens it in $VISUAL/$EDITOR (else vi): reword an\n"
    "answer to change what its ticket gets, delete an answer or a section so it is not posted, write after\n"
    "\"Answer:\" to fill an unanswered prompt. Sections can be moved freely; what cannot be mapped back is\n"
    "listed and kept in $DEVTRACK_HOME/summaries/DATE.md. Nothing is posted without your confirmation or\n"
    "--push; --send e-mails it through the email plugin. With tracker.mode end-of-day this is what releases\n"
    "the day's held updates.",
    [](Spec& s) {
      s.options.add_options()("date", po::value<std::string>()->default_value("today")->value_name("DAY"),
                              "today, yesterday, -3d or YYYY-MM-DD (in settings.timezone)")(
          "format", po::value<std::string>()->default_value("md")->value_name("FMT"), "md, json or html")(
          "edit", "open it in your editor and map the changes back")(
          "push", "post the updates without asking")("send", "e-mail the summary without asking");
    },
    run,
};

}  // namespace devtrack::cli

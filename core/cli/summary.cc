// devtrack summary: the day's work as Markdown (or JSON, HTML); --edit opens
// it in $VISUAL/$EDITOR and maps the changes back; one confirmation (or
// --push / --send) posts the updates and sends the summary to the sinks.
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
#include "summary/delivery.h"
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

// Hands the confirmed summary to the sinks and says where it went.
void send_summary(Store& store, const Loaded& loaded, const std::vector<std::string>& sinks, const std::string& date,
                  const std::string& markdown) {
  auto rows = queue_delivery(store, loaded.config, loaded.plugins, sinks, {"summary", date, markdown},
                             process_clock().now_ms());
  print_deliveries(rows, "summary");
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

// The sinks --send (or the confirmation after --edit) hands the summary to;
// none enabled is an error only where --send or --sink asked for them.
std::vector<std::string> summary_sinks(const Loaded& loaded, const std::vector<std::string>& chosen, bool required) {
  try {
    return delivery_sinks(loaded.plugins, loaded.config, chosen);
  } catch (const Error&) {
    if (required || !chosen.empty()) throw;
    return {};
  }
}

// Posts what the (edited) summary says: fills answered first, then the
// edits, removals and releases in one transaction.
void push_summary(Store& store, const Config& config, const LocalDay& day, int64_t now, const SummaryEdits& edits,
                  const std::string& kept_copy) {
  std::vector<std::pair<int64_t, std::string>> fills;
  for (const auto& f : edits.fills) fills.push_back({f.prompt_id, f.text});
  answer_prompts(fills);  // stored and parsed first, like checkin
  std::string summary = day_summary_json(store, config, day, now);
  PushCounts c;
  try {
    c = apply_summary_edits(store, summary, edits, true, process_clock().now_ms());
  } catch (const std::exception& e) {  // one transaction: none of the edits is half-applied
    throw Error(std::string("your edits were not applied (") + e.what() + ")" +
                (kept_copy.empty() ? "" : "; your edited copy is " + kept_copy + " (devtrack summary --edit --push)"));
  }
  std::cout << "posting: " << c.released << " released, " << c.edited << " edited, " << c.dropped
            << " dropped (devtrack updates list)\n";
  if (c.posted) std::cout << c.posted << " update(s) of deleted answers were posted already and stay on the tracker\n";
}

void print_summary(const std::string& summary, const std::string& format) {
  if (format == "json") std::cout << json::parse(summary).dump(2) << "\n";
  else if (format == "html") std::cout << summary_html(summary);
  else std::cout << strip_summary_markers(summary_markdown(summary));
}

int run(const po::variables_map& args) {
  Loaded loaded = load_config_and_plugins();
  const Config& config = loaded.config;
  std::string format = args["format"].as<std::string>();
  if (format != "md" && format != "json" && format != "html") throw UsageError("--format is md, json or html");
  bool edit = args.count("edit"), push = args.count("push"), send = args.count("send");
  auto chosen = args.count("sink") ? args["sink"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (!chosen.empty() && !send && !edit) throw UsageError("--sink goes with --send (or --edit)");
  Store store(paths::database());
  int64_t now = process_clock().now_ms();
  LocalDay day = local_day(args["date"].as<std::string>(), config.settings.timezone, now);
  std::string summary = day_summary_json(store, config, day, now);
  if (!edit && !push && !send) {
    print_summary(summary, format);
    return kOk;
  }

  auto sinks = send || edit ? summary_sinks(loaded, chosen, send) : std::vector<std::string>{};
  std::string markdown = summary_markdown(summary);
  SummaryEdits edits;
  std::string kept;
  if (edit) {
    kept = paths::home() + "/summaries/" + day.date + ".md";
    paths::ensure_private_dir(paths::home() + "/summaries");
    keep_earlier_copy(kept, markdown);
    paths::write_file_atomic(kept, markdown);
    run_editor(kept);
    markdown = paths::read_file(kept);
    edits = map_summary_edits(summary, markdown);
    print_plan(edits, kept);
    if (!push && !send) {
      std::string to = sinks.empty() ? "" : " and send the summary (" + join(sinks, ", ") + ")";
      if (!confirm("Post the updates" + to + "?")) {
        std::cout << "nothing posted; your edited copy is " << kept << " (devtrack summary --edit --push)\n";
        return kOk;
      }
      push = true;
      send = !sinks.empty();
    }
  }
  if (push) push_summary(store, config, day, now, edits, kept);
  if (send) send_summary(store, loaded, sinks, day.date, strip_summary_markers(markdown));
  if (store.kv_get("daemon", "summary_due") == day.date) {  // the reminder is answered
    store.kv_erase("daemon", "summary_due");
    std::filesystem::remove(paths::home() + "/summary-due");
  }
  tell_daemon_updates_changed();
  return kOk;
}

}  // namespace

extern const Command kSummary = {
    "summary", "the day's work as Markdown; --edit it, then post the updates and send it",
    "Grouped by project, then ticket: the answers, their commits, minutes and status, and an Unanswered\n"
    "section for skipped and expired prompts. --edit opens it in $VISUAL/$EDITOR (else vi): reword an\n"
    "answer to change what its ticket gets, delete an answer or a section so it is not posted, write after\n"
    "\"Answer:\" to fill an unanswered prompt. Sections can be moved freely; what cannot be mapped back is\n"
    "listed and kept in $DEVTRACK_HOME/summaries/DATE.md. Nothing is posted without your confirmation or\n"
    "--push; --send hands it to the enabled sinks (email, slack; --sink ID chooses). With tracker.mode end-of-day this is what releases\n"
    "the day's held updates.",
    [](Spec& s) {
      s.options.add_options()("date", po::value<std::string>()->default_value("today")->value_name("DAY"),
                              "today, yesterday, -3d or YYYY-MM-DD (in settings.timezone)")(
          "format", po::value<std::string>()->default_value("md")->value_name("FMT"), "md, json or html")(
          "edit", "open it in your editor and map the changes back")(
          "push", "post the updates without asking")("send", "send the summary to the sinks without asking")(
          "sink", po::value<std::vector<std::string>>()->value_name("ID"),
          "with --send: only this sink plugin (repeatable); default: every enabled sink");
    },
    run,
};

}  // namespace devtrack::cli

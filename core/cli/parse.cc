// devtrack parse: the parser plugin, from the command line. Loads the
// enabled parser (default: rules) in this process.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "checkin/learning.h"
#include "cli/parser_session.h"
#include "git/git_files.h"
#include "outbox/outbox.h"
#include "store/store.h"
#include "util/error.h"
#include "util/json_text.h"
#include "util/paths.h"
#include "util/strings.h"

using nlohmann::json;

namespace devtrack::cli {

namespace {

// --explain, readable: which parser gave what.
//   from      project: rules (0.9), duration_minutes: pomodoro (0.95); #12: rules
void print_explain(const json& why) {
  std::string from;
  for (const char* field : {"project", "duration_minutes", "status"})
    if (why.contains(field) && why[field].is_object()) {
      char confidence[16];
      std::snprintf(confidence, sizeof confidence, "%.2g", why[field].value("confidence", 0.0));
      from += (from.empty() ? "" : ", ") + std::string(field) + ": " + why[field].value("parser", "") + " (" +
              confidence + ")";
    }
  for (const auto& t : why.value("tickets", json::array()))
    from += (from.empty() ? "" : "; ") + t.value("text", "") + ": " + t.value("parser", "");
  std::printf("%-10s%s\n", "from", from.empty() ? "-" : from.c_str());
}

// The repository's context: top, remote slug, branch.
// tickets   #12 (github), PRX-7 (jira)
// ambiguous #14 (github or gitea?)
// project   widgets
// duration  1 h 30 min
// status    done
void print_readable(const json& r) {
  auto line = [](const char* name, const std::string& value) {
    std::printf("%-10s%s\n", name, value.empty() ? "-" : value.c_str());
  };
  std::string tickets;
  for (const auto& t : r.value("tickets", json::array())) {
    if (!t.is_object()) continue;
    tickets += (tickets.empty() ? "" : ", ") + ticket_text(t) + " (" + tracker_of(t) + ")";
  }
  line("tickets", tickets);
  std::string open;
  for (const auto& a : r.value("ambiguous_tickets", json::array())) {
    if (!a.is_object() || !a.contains("choices") || !a["choices"].is_array()) continue;
    std::string trackers;
    for (const auto& t : a["choices"]) trackers += (trackers.empty() ? "" : " or ") + tracker_of(t);
    open += (open.empty() ? "" : ", ") + a.value("text", "") + " (" + trackers + "?)";
  }
  if (!open.empty()) line("ambiguous", open);
  line("project", r.contains("project") && r["project"].is_string() ? r["project"].get<std::string>() : "");
  std::string duration;
  if (r.contains("duration_minutes") && r["duration_minutes"].is_number_integer()) {
    int64_t m = r["duration_minutes"].get<int64_t>();
    duration = (m >= 60 ? std::to_string(m / 60) + " h" + (m % 60 ? " " : "") : "") +
               (m % 60 || m < 60 ? std::to_string(m % 60) + " min" : "");
  }
  line("duration", duration);
  line("status", r.contains("status") && r["status"].is_string() ? status_text(r["status"].get<std::string>()) : "");
  std::string suggested;
  for (const auto& t : r.value("suggested", json::array()))
    if (t.is_object()) suggested += (suggested.empty() ? "" : ", ") + ticket_text(t);
  if (!suggested.empty()) line("suggested", suggested);
  if (r.contains("explain") && r["explain"].is_object()) print_explain(r["explain"]);
  for (const auto& l : r.value("learned", json::array())) {
    if (!l.is_object()) continue;
    std::string what;
    if (l.contains("ticket") && l["ticket"].is_object()) what = ticket_text(l["ticket"]);
    else if (l.contains("project") && l["project"].is_string()) what = "project " + l["project"].get<std::string>();
    if (l.contains("instead") && l["instead"].is_object()) what += " -> " + ticket_text(l["instead"]);
    std::printf("%-10s%s %s (%s)\n", "learned", what.c_str(), l.value("action", "").c_str(),
                l.value("why", "").c_str());
  }
  std::fflush(stdout);
}

json repo_context(const std::string& path) {
  git::Dirs dirs = git::resolve_dirs(path);
  json c = {{"repo", dirs.top}, {"branch", git::current_branch(dirs.git_dir)}};
  if (std::string slug = git::remote_slug(dirs.top); !slug.empty()) c["slug"] = slug;
  return c;
}

// Without --repo, the repository of the current directory, if any (as for
// `devtrack ask`): "#15" in a clone of acme/widgets is acme/widgets#15.
json cwd_context() {
  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  if (ec) return json::object();
  try {
    return repo_context(cwd);
  } catch (const Error&) {
    return json::object();
  }
}

int run(const po::variables_map& args) {
  Loaded loaded = load_config_and_plugins();
  // --projects FILE: that file's projects, with this config's trackers.
  Config with_projects = loaded.config;
  if (args.count("projects")) {
    std::string file = args["projects"].as<std::string>();
    ConfigResult r = parse_config(paths::read_file(file), file, loaded.plugins);
    std::string errors;
    for (const auto& d : r.diagnostics)
      if (d.severity == "error") errors += "\n  " + d.str();
    if (!errors.empty()) throw Error("the projects file has errors:" + errors);
    with_projects.projects = r.config.projects;
  }
  json where = args.count("repo") ? repo_context(args["repo"].as<std::string>()) : cwd_context();
  if (args.count("branch")) where["branch"] = args["branch"].as<std::string>();
  json context = json::parse(with_projects.parser_context(where.value("repo", ""), where.value("branch", ""),
                                                          where.value("slug", "")));
  ParserSession session(loaded.plugins, loaded.config, args.count("parser") ? args["parser"].as<std::string>() : "");
  std::string context_text = context.dump();
  const bool explain = args.count("explain") > 0;
  // What was learned from the trackers and your corrections applies here
  // as in the daemon (`devtrack learned`), unless --no-learning.
  std::unique_ptr<Store> store;
  std::error_code ec;
  if (!args.count("no-learning") && std::filesystem::exists(paths::database(), ec))
    store = std::make_unique<Store>(paths::database());
  auto parse = [&](const std::string& text) {
    json r = json::parse(session.parse(text, context_text, explain), nullptr, false);
    if (!r.is_object()) throw Error("the parser returned something that is not a JSON object");
    if (store) apply_learning(*store, where.value("repo", ""), where.value("branch", ""), r);
    return r;
  };

  if (!args.count("jsonl")) {
    if (!args.count("TEXT")) throw UsageError("give TEXT to parse, or --jsonl to read lines from stdin");
    json r = parse(args["TEXT"].as<std::string>());
    // A person at a terminal gets a readable view; scripts (a pipe, or
    // --json) get the JSON line.
    if (args.count("json") || !::isatty(STDOUT_FILENO)) std::cout << dump_text(r) << "\n";
    else print_readable(r);
    return kOk;
  }
  // One JSON object per line in, one per line out; a bad line gets an error
  // line and the stream goes on.
  int bad = 0;
  for (std::string line; std::getline(std::cin, line);) {
    if (line.empty()) continue;
    json in = json::parse(line, nullptr, false);
    json out;
    if (!in.is_object() || !in.contains("text") || !in["text"].is_string()) {
      out = {{"id", in.is_object() && in.contains("id") ? in["id"] : json(nullptr)},
             {"error", "each line must be a JSON object with a string \"text\""}};
      ++bad;
    } else {
      out = parse(in["text"].get<std::string>());
      out["id"] = in.contains("id") ? in["id"] : json(nullptr);
    }
    std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
  }
  return bad ? kFailure : kOk;
}

}  // namespace

extern const Command kParse = {
    "parse",
    "parse an answer: tickets, project, duration, status (the parser plugin)",
    "At a terminal, prints what was understood, one field a line. Piped, or with\n"
    "--json, prints {\"tickets\", \"project\", \"duration_minutes\", \"status\",\n"
    "\"confidence\", \"suggested\"} on one line. With --jsonl, reads {\"id\", \"text\"}\n"
    "lines on stdin and writes one result line per input. Several enabled parsers\n"
    "are asked in parse.order and merged field by field; --explain says which\n"
    "parser gave what (\"explain\" in the JSON). What DevTrack learned from the\n"
    "trackers and your corrections is applied after the parsers and listed as\n"
    "\"learned\" (see devtrack learned).",
    [](Spec& s) {
      s.options.add_options()("json", "print the result as one JSON line (the default when piped)")(
          "jsonl", "read JSON lines {\"id\", \"text\"} from stdin")(
          "projects", po::value<std::string>()->value_name("FILE"), "a YAML file with a projects: list (default: the config's)")(
          "repo", po::value<std::string>()->value_name("PATH"), "the repository the answer is about (branch, remote; default: the current directory's)")(
          "branch", po::value<std::string>()->value_name("NAME"), "the branch the answer is about")(
          "parser", po::value<std::string>()->value_name("ID"), "only this parser plugin (default: parse.order, merged)")(
          "explain", "say which parser gave each field and ticket")(
          "no-learning", "leave out what was learned from the trackers and your corrections (devtrack learned)");
      s.positionals.push_back({"TEXT", 1, false});
    },
    run,
};

}  // namespace devtrack::cli

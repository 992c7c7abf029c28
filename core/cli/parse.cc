// devtrack parse: the parser plugin, from the command line. Loads the
// enabled parser (default: rules) in this process.
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "cli/parser_session.h"
#include "git/git_files.h"
#include "util/error.h"
#include "util/paths.h"

using nlohmann::json;

namespace devtrack::cli {

namespace {

// The repository's context: top, remote slug, branch.
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
  std::string projects = loaded.config.projects_json();
  if (args.count("projects")) {
    std::string file = args["projects"].as<std::string>();
    ConfigResult r = parse_config(paths::read_file(file), file, loaded.plugins);
    std::string errors;
    for (const auto& d : r.diagnostics)
      if (d.severity == "error") errors += "\n  " + d.str();
    if (!errors.empty()) throw Error("the projects file has errors:" + errors);
    projects = r.config.projects_json();
  }
  json context = args.count("repo") ? repo_context(args["repo"].as<std::string>()) : cwd_context();
  if (args.count("branch")) context["branch"] = args["branch"].as<std::string>();
  context["projects"] = json::parse(projects);

  ParserSession session(loaded.plugins, loaded.config, args.count("parser") ? args["parser"].as<std::string>() : "");
  std::string context_text = context.dump();
  auto parse = [&](const std::string& text) {
    json r = json::parse(session.parse(text, context_text), nullptr, false);
    if (!r.is_object()) throw Error("the parser returned something that is not a JSON object");
    return r;
  };

  if (!args.count("jsonl")) {
    if (!args.count("TEXT")) throw UsageError("give TEXT to parse, or --jsonl to read lines from stdin");
    std::cout << parse(args["TEXT"].as<std::string>()).dump() << "\n";
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
    "Prints {\"tickets\", \"project\", \"duration_minutes\", \"status\", \"confidence\",\n"
    "\"suggested\"}. With --jsonl, reads {\"id\", \"text\"} lines on stdin and writes one\n"
    "result line per input.",
    [](Spec& s) {
      s.options.add_options()("jsonl", "read JSON lines {\"id\", \"text\"} from stdin")(
          "projects", po::value<std::string>()->value_name("FILE"), "a YAML file with a projects: list (default: the config's)")(
          "repo", po::value<std::string>()->value_name("PATH"), "the repository the answer is about (branch, remote; default: the current directory's)")(
          "branch", po::value<std::string>()->value_name("NAME"), "the branch the answer is about")(
          "parser", po::value<std::string>()->value_name("ID"), "the parser plugin to use (default: the enabled one)");
      s.positionals.push_back({"TEXT", 1, false});
    },
    run,
};

}  // namespace devtrack::cli

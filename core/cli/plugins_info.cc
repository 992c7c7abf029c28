// devtrack plugins info ID: one plugin's descriptor and option table.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/cli_common.h"
#include "cli/command.h"
#include "plugin/registry.h"

namespace devtrack::cli {

namespace {

// A tracker's ticket syntax, one line per place its forms are looked for.
void print_ticket_forms(const std::string& tickets_json) {
  if (tickets_json.empty()) return;
  nlohmann::json d = nlohmann::json::parse(tickets_json);
  auto list = [&](const char* key) {
    std::string out;
    for (const auto& t : d.value(key, nlohmann::json::array()))
      if (t.is_string()) out += (out.empty() ? "" : ", ") + t.get<std::string>();
    return out;
  };
  std::cout << "  tickets:  shown as " << d.value("show", "") << "\n";
  if (auto text = list("text"); !text.empty()) std::cout << "            in text: " << text << "\n";
  if (d.contains("urls")) {
    std::string urls;
    for (const auto& u : d["urls"]) {
      std::string host = u["host"].is_array() ? u["host"][0].get<std::string>() : u["host"].get<std::string>();
      urls += (urls.empty() ? "" : ", ") + host + u.value("path", "");
    }
    std::cout << "            in URLs: " << urls << "\n";
  }
  if (auto branch = list("branch"); !branch.empty()) std::cout << "            in branches: " << branch << "\n";
}

int run(const po::variables_map& args) {
  std::string id = args["ID"].as<std::string>();
  Loaded loaded = load_config_and_plugins();
  load_plugin_docs(loaded.plugins);
  const PluginInfo* p = &require_plugin(loaded.plugins, id);
  bool enabled = loaded.config.plugin_enabled(id);
  if (args.count("json")) {
    nlohmann::json options = nlohmann::json::array();
    for (const auto& o : p->options)
      options.push_back({{"name", o.name}, {"type", o.type}, {"default", o.default_value}, {"doc", o.doc}});
    nlohmann::json j = {{"id", p->id},           {"name", p->name},       {"version", p->version},
                        {"kind", p->kind},       {"runs_in", p->runs_in}, {"description", p->description},
                        {"path", p->path},       {"source", p->source},   {"abi", p->abi()},
                        {"enabled", enabled},    {"state", enabled ? "available" : "disabled"},
                        {"options", options}};
    // A tracker's declared ticket syntax (ABI 1.1), as the parsers get it.
    j["tickets"] = p->tickets_json.empty() ? nlohmann::json(nullptr) : nlohmann::json::parse(p->tickets_json);
    std::cout << j.dump(2) << "\n";
    return kOk;
  }
  std::cout << p->name << " (" << p->id << ") " << p->version << "\n";
  if (!p->description.empty()) std::cout << "  " << p->description << "\n";
  std::cout << "\n  kind:     " << p->kind << "\n  runs in:  " << p->runs_in << "\n  state:    "
            << (enabled ? "available" : "disabled") << "\n  path:     " << p->path << " (" << p->source
            << ")\n  ABI:      " << p->abi() << "\n";
  print_ticket_forms(p->tickets_json);
  if (p->options.empty()) {
    std::cout << "\nNo options.\n";
    return kOk;
  }
  std::cout << "\nOptions (plugins." << p->id << ".<name> in config.yaml):\n";
  std::vector<std::vector<std::string>> rows = {{"  NAME", "TYPE", "DEFAULT", "DESCRIPTION"}};
  for (const auto& o : p->options)
    rows.push_back({"  " + o.name, o.type, o.default_value.empty() ? "-" : o.default_value, o.doc});
  print_table(rows);
  return kOk;
}

}  // namespace

extern const Command kPluginsInfo = {
    "plugins info",
    "show a plugin's description, version, path and options",
    "",
    [](Spec& s) {
      s.options.add_options()("json", "print a JSON object for scripts");
      s.positionals.push_back({"ID"});
      s.completion = "plugins";
    },
    run,
    Loads::kNoCode,
};

}  // namespace devtrack::cli

// devtrack config reference: the host's settings from their one table
// (config/host_settings.h), as the reference tables of
// docs/configuration.md, as the commented default config, or as JSON.
// The docs and config/config.yaml carry this output; a test fails when
// they drift from it.
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "config/config.h"
#include "config/host_settings.h"

namespace devtrack::cli {

namespace {

nlohmann::json settings_json() {
  nlohmann::json out = nlohmann::json::array();
  Config defaults;
  for (const auto& s : host_settings()) {
    nlohmann::json choices = nlohmann::json::array();
    for (const char* c : s.choices) choices.push_back(c);
    out.push_back({{"key", std::string(s.section) + "." + s.key},
                   {"type", s.type},
                   {"default", s.default_yaml},
                   {"shown", s.shown(defaults)},
                   {"choices", choices},
                   {"meaning", s.meaning}});
  }
  return out;
}

}  // namespace

extern const Command kConfigReference = {
    "config reference",
    "print the reference of the host's settings (Markdown, YAML or JSON)",
    "The tables of docs/configuration.md (--markdown, the default), the host's\n"
    "sections of the commented default config (--yaml), or every setting with its\n"
    "type, default and meaning (--json). Plugins' options: devtrack plugins info ID.",
    [](Spec& spec) {
      spec.options.add_options()("markdown", "the Markdown tables, one per section")(
          "yaml", "the commented default config's host sections")("json", "every setting as JSON");
    },
    [](const po::variables_map& args) {
      if (args.count("json")) {
        std::cout << settings_json().dump(2) << "\n";
      } else if (args.count("yaml")) {
        std::cout << host_settings_yaml();
      } else {
        bool first = true;
        for (const auto& section : host_sections()) {
          std::cout << (first ? "" : "\n") << "<!-- generated: host settings " << section.name << " -->\n"
                    << host_settings_markdown(section.name) << "<!-- end -->\n";
          first = false;
        }
      }
      return kOk;
    },
    Loads::kNoCode,
};

}  // namespace devtrack::cli

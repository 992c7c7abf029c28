// The enabled parser plugin, loaded in this (client) process: what
// `devtrack parse` and `devtrack checkin` use to understand text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/plugin_info.h"

namespace devtrack::cli {

class ParserSession {
 public:
  // `parser_id` "" = the first enabled parser plugin, else rules.
  ParserSession(const std::vector<PluginInfo>& plugins, const Config& config, const std::string& parser_id = "");
  ~ParserSession();
  // Result JSON text; throws Error if the parser fails.
  std::string parse(const std::string& text, const std::string& context_json);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace devtrack::cli

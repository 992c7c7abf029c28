// The enabled parser plugins, loaded in this (client) process, asked in
// parse.order and merged (checkin/parse_merge.h): what `devtrack parse` and
// `devtrack checkin` use to understand text.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/plugin_info.h"

namespace devtrack::cli {

class ParserSession {
 public:
  // `parser_id` "" = the enabled parsers in parse.order (else rules);
  // otherwise that one alone.
  ParserSession(const std::vector<PluginInfo>& plugins, const Config& config, const std::string& parser_id = "");
  ~ParserSession();
  // The merged result as JSON text, with "explain" when asked; throws Error
  // when every parser fails (one that fails among others is left out).
  std::string parse(const std::string& text, const std::string& context_json, bool explain = false);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace devtrack::cli

#include "plugin/ticket_syntax.h"

#include <devtrack/tickets.hpp>

#include <map>
#include <nlohmann/json.hpp>

using nlohmann::json;

namespace devtrack {

namespace {

constexpr size_t kMaxDeclaration = 16 * 1024;
constexpr size_t kMaxForms = 32;

struct Checker {
  std::map<std::string, std::string> field_types;
  std::string error;

  bool fail(std::string why) {
    error = std::move(why);
    return false;
  }

  bool check_template(const json& t, const std::string& where, std::vector<sdk::TemplatePiece>* pieces) {
    if (!t.is_string()) return fail(where + " must be a string");
    std::string why;
    if (!sdk::split_ticket_template(t.get<std::string>(), pieces, &why)) return fail(where + ": " + why);
    for (const auto& p : *pieces) {
      if (!p.placeholder) continue;
      auto [it, added] = field_types.emplace(p.text, p.type);
      if (!added && it->second != p.type)
        return fail(where + ": field '" + p.text + "' is " + p.type + " here but " + it->second + " elsewhere");
    }
    return true;
  }

  bool check_list(const json& d, const char* key) {
    if (!d.contains(key)) return true;
    const json& list = d[key];
    if (!list.is_array() || list.size() > kMaxForms)
      return fail(std::string("\"") + key + "\" must be a list of at most 32 templates");
    for (size_t i = 0; i < list.size(); ++i) {
      std::vector<sdk::TemplatePiece> pieces;
      std::string where = std::string(key) + "[" + std::to_string(i) + "]";
      if (!check_template(list[i], where, &pieces)) return false;
      bool has_field = false;
      for (const auto& p : pieces) has_field = has_field || p.placeholder;
      if (!has_field) return fail(where + " has no placeholder");
      bool bare = pieces.size() == 1 && (pieces[0].type == "number" || pieces[0].type == "id");
      if (bare && std::string(key) == "text") return fail(where + " is a bare {" + pieces[0].type + "}: every word would be a ticket");
    }
    return true;
  }

  bool check_host(const json& host, const std::string& where) {
    if (!host.is_string() || host.get<std::string>().empty()) return fail(where + " must be a host name or \"*\"");
    for (char c : host.get<std::string>())
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '*' || c == ':'))
        return fail(where + ": '" + host.get<std::string>() + "' is not a host name");
    return true;
  }

  bool check_urls(const json& d) {
    if (!d.contains("urls")) return true;
    const json& urls = d["urls"];
    if (!urls.is_array() || urls.size() > kMaxForms) return fail("\"urls\" must be a list of at most 32 forms");
    for (size_t i = 0; i < urls.size(); ++i) {
      std::string where = "urls[" + std::to_string(i) + "]";
      const json& u = urls[i];
      if (!u.is_object() || !u.contains("host") || !u.contains("path"))
        return fail(where + " must be {\"host\": ..., \"path\": ...}");
      json hosts = u["host"].is_array() ? u["host"] : json::array({u["host"]});
      if (hosts.empty()) return fail(where + ".host is empty");
      for (const auto& h : hosts)
        if (!check_host(h, where + ".host")) return false;
      std::vector<sdk::TemplatePiece> pieces;
      if (!check_template(u["path"], where + ".path", &pieces)) return false;
    }
    return true;
  }
};

}  // namespace

std::string checked_ticket_syntax(std::string_view text, std::string* error) {
  auto fail = [&](std::string why) {
    *error = std::move(why);
    return std::string();
  };
  if (text.size() > kMaxDeclaration) return fail("is over 16 KiB");
  json d = json::parse(text, nullptr, false);
  if (!d.is_object()) return fail("is not a JSON object");
  for (const auto& [key, value] : d.items())
    if (key != "show" && key != "text" && key != "urls" && key != "branch")
      return fail("has an unknown key \"" + key + "\" (show, text, urls, branch)");
  Checker c;
  std::vector<sdk::TemplatePiece> pieces;
  if (!d.contains("show")) return fail("has no \"show\" template");
  if (!c.check_template(d["show"], "show", &pieces) || !c.check_list(d, "text") || !c.check_list(d, "branch") ||
      !c.check_urls(d))
    return fail(c.error);
  return d.dump();
}

}  // namespace devtrack

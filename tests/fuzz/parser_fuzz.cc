// Fuzzes the rules parser (plugins/rules) through its devtrack.parser.v1
// table, as the daemon and `devtrack parse` call it: the input is the
// answer text, then a NUL, then the context JSON (repo, slug, branch,
// projects, trackers); without a NUL the context is a fixed one.
// Properties: it always answers DT_OK with the documented shape, and the
// numbers are sane (confidence 0..1, minutes not negative).
#include <nlohmann/json.hpp>

#include "fuzz_support.h"

using nlohmann::json;

extern "C" const dt_plugin_descriptor* rules_plugin_entry(void);

namespace {

// The context a 1.1 host sends: projects mapped to trackers, and the
// trackers' declared syntax, two of which both read "#12".
const char* kContext = R"({"repo": "/home/me/src/widgets", "slug": "acme/widgets", "branch": "feature/PRX-12-login",
  "projects": [{"id": "widgets", "name": "Widgets", "aliases": ["wdg"], "repos": ["acme/widgets"],
                "trackers": {"github": "acme/widgets", "jira": ["PRX"], "trello": "aBcD1234"}},
               {"id": "billing", "name": "Billing", "aliases": "bill", "jira": ["BILL", "PAY"],
                "trackers": {"forge": ["acme/billing"]}}],
  "trackers": [
    {"id": "github", "enabled": true, "tickets": {"show": "{repo}#{number}", "text": ["{repo}#{number}", "#{number}", "GH-{number}"],
      "urls": [{"host": "*", "path": "/{repo}/issues/{number}"}], "branch": ["issue-{number}", "{number}"]}},
    {"id": "forge", "enabled": true, "tickets": {"show": "{repo}#{number}", "text": ["{repo}#{number}", "#{number}"],
      "urls": [{"host": "codeberg.org", "path": "/{repo}/issues/{number}"}], "branch": ["{number}"]}},
    {"id": "jira", "enabled": false, "tickets": {"show": "{key}", "text": ["{key}"], "urls": [{"host": "*", "path": "/browse/{key}"}], "branch": ["{key}"]}},
    {"id": "hello", "tickets": {"show": "HELLO-{number}", "text": ["HELLO-{number}", "hello:{card:id}"]}}]})";

// One instance for the whole run, as the daemon keeps one.
struct Rules {
  fuzz::Host host{"rules"};
  fuzz::Instance instance{rules_plugin_entry(), &host.raw, "{}"};
  const dt_parser_v1* table = instance.table<dt_parser_v1>(DEVTRACK_PARSER_V1);

  dt_status parse(const std::string& text, const std::string& context, fuzz::StringOut& out) {
    return table->parse(instance.self(), text.c_str(), context.c_str(), &out.out);
  }
};

void check_answer(const std::string& text, const std::string& answer) {
  json r = json::parse(answer, nullptr, false);
  FUZZ_CHECK(r.is_object() && r["tickets"].is_array() && r["suggested"].is_array(), text + "\n-> " + answer);
  FUZZ_CHECK(r["confidence"].is_number() && r["confidence"] >= 0 && r["confidence"] <= 1, answer);
  const json& minutes = r["duration_minutes"];
  FUZZ_CHECK(minutes.is_null() || (minutes.is_number_integer() && minutes >= 0), text + "\n-> " + answer);
  for (const auto& t : r["tickets"]) FUZZ_CHECK(t.is_object() && t.contains("system") && t.contains("tracker"), answer);
  if (r.contains("ambiguous_tickets"))
    for (const auto& a : r["ambiguous_tickets"]) FUZZ_CHECK(a["choices"].is_array() && a["choices"].size() >= 2, answer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Text and context cross the ABI as C strings: a NUL ends the text.
  auto fields = fuzz::split(fuzz::bytes(data, size), '\0', 2);
  std::string context = fields.size() == 2 ? fields[1] : kContext;
  context = context.c_str();  // up to a second NUL, as a C string would be
  static Rules rules;
  fuzz::StringOut out;
  dt_status s = rules.parse(fields[0], context, out);
  FUZZ_CHECK(s == DT_OK, "status " + std::to_string(s) + ": " + out.text);
  check_answer(fields[0], out.text);
  return 0;
}

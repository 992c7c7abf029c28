// A second parser, for the merge tests: it knows only "N pomodoros" (25
// minutes each, very sure), "[x]" (sure: the first project whose id starts
// with x, a shorthand the rules parser cannot read) and "issue N" (a ticket of
// the first tracker in the context that shows {repo}#{number}). Everything
// else it leaves to the parsers before or after it.
#include <devtrack/sdk.hpp>

#include <nlohmann/json.hpp>
#include <string>

using nlohmann::json;

namespace {

long number_before(const std::string& text, size_t at) {
  size_t start = at;
  while (start > 0 && std::isdigit(static_cast<unsigned char>(text[start - 1]))) --start;
  if (start == at || at - start > 3) return 0;
  return std::stol(text.substr(start, at - start));
}

class Pomodoro : public devtrack::sdk::Parser {
 public:
  Pomodoro(const dt_host* host, std::string_view) : Parser(host) {}

  std::string parse(std::string_view text_view, std::string_view context_view) override {
    std::string text(text_view);
    json context = json::parse(context_view, nullptr, false);
    json out = {{"tickets", json::array()}, {"project", nullptr}, {"duration_minutes", nullptr}, {"status", nullptr},
                {"confidence", 0.3}, {"field_confidence", json::object()}};
    for (const char* word : {" pomodoros", " pomodoro"})
      if (size_t at = text.find(word); at != std::string::npos && number_before(text, at) > 0) {
        out["duration_minutes"] = 25 * number_before(text, at);
        out["field_confidence"]["duration_minutes"] = 0.95;
        break;
      }
    if (size_t open = text.find('['), close = text.find(']'); open != std::string::npos && close > open) {
      std::string prefix = text.substr(open + 1, close - open - 1);
      for (const auto& p : context.value("projects", json::array()))
        if (!prefix.empty() && p.value("id", "").rfind(prefix, 0) == 0) {
          out["project"] = p["id"];
          out["field_confidence"]["project"] = 0.9;
          break;
        }
    }
    if (size_t at = text.find("issue "); at != std::string::npos) {
      size_t end = at + 6;
      while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
      if (end > at + 6 && end - at - 6 <= 7)
        for (const auto& t : context.value("trackers", json::array()))
          if (t.contains("tickets") && t["tickets"].value("show", "") == "{repo}#{number}") {
            std::string id = t.value("id", "");
            out["tickets"].push_back({{"tracker", id}, {"system", id}, {"show", "{repo}#{number}"}, {"repo", nullptr},
                                      {"number", std::stol(text.substr(at + 6, end - at - 6))}});
            break;
          }
    }
    return out.dump();
  }
};

const dt_option kOptions[] = {{nullptr, 0, nullptr, nullptr}};

}  // namespace

DEVTRACK_PLUGIN(Pomodoro, "pomodoro", "Pomodoro parser (tests)", "0.0.1", DT_RUNS_IN_DAEMON,
                "Understands N pomodoros, [project] and issue N; for the parser-merge tests.", kOptions)

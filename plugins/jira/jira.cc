// The Jira tracker, Cloud (REST v3) and, with `api: server`, Server / Data
// Center (REST v2): a comment and, with a duration, a worklog per answer; a
// workflow transition when the answer's status is in the `transitions`
// option; issue lookup and the user's open assigned issues (JQL, paginated).
//
// Cloud: text in Atlassian Document Format, e-mail + API token as basic
// auth, and the idempotency key as an entity property ("devtrack") of the
// comment and the worklog, where find() looks for it (expand=properties).
// Server: plain text, a personal access token as Bearer (or `username` and
// a password or token as basic auth), and the key as the text's last line
// ("devtrack:KEY"): REST v2 lists no properties. All HTTP goes through the host.
#include <devtrack/sdk.hpp>

#include <date/tz.h>

#include <nlohmann/json.hpp>

#include "ticket_syntax.h"
#include "tracker_http.h"

using nlohmann::json;
using devtrack::sdk::Error;
namespace trackers = devtrack::trackers;
using devtrack::sdk::url_encode;

namespace {

const dt_option kOptions[] = {
    {"base_url", DT_OPT_URL, nullptr, "Your site, e.g. https://your-domain.atlassian.net."},
    {"email", DT_OPT_STRING, nullptr, "Cloud: the Atlassian account e-mail the API token belongs to."},
    {"token", DT_OPT_SECRET, nullptr,
     "Cloud: API token reference (id.atlassian.com > Security > API tokens); Server: a personal access token, or "
     "the password of `username`."},
    {"username", DT_OPT_STRING, nullptr, "Server: log in with basic auth as this user (without it: Bearer token)."},
    {"worklogs", DT_OPT_BOOL, "true", "Log an answer's duration as a worklog (besides the comment)."},
    {"transitions", DT_OPT_MAP, "{}", "Answer status -> transition name, e.g. {done: Done}."},
    {"api", DT_OPT_STRING, "\"cloud\"", "cloud (Jira Cloud, REST v3) or server (Jira Server / Data Center, REST v2)."},
    {nullptr, 0, nullptr, nullptr},
};

const char* kProperty = "devtrack";

// A paragraph per line of text, in Atlassian Document Format.
json adf(const std::string& text) {
  json content = json::array();
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    json paragraph = {{"type", "paragraph"}, {"content", json::array()}};
    if (!line.empty()) paragraph["content"].push_back({{"type", "text"}, {"text", line}});
    content.push_back(paragraph);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {{"type", "doc"}, {"version", 1}, {"content", content}};
}

class Jira : public devtrack::sdk::Tracker {
 public:
  // What its tickets look like (ABI 1.1): plugins/common/ticket_syntax.h.
  static constexpr const char* ticket_syntax = devtrack::trackers::kJiraTickets;

  Jira(const dt_host* host, std::string_view config_json) : Tracker(host) {
    json c = json::parse(config_json, nullptr, false);
    if (!c.is_object()) c = json::object();
    base_ = c.value("base_url", "");
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    email_ = c.value("email", "");
    username_ = c.value("username", "");
    token_ref_ = c.value("token", "");
    transitions_ = c.value("transitions", json::object());
    if (c.contains("settings") && c["settings"].is_object()) timezone_ = c["settings"].value("timezone", "");
    std::string api = c.value("api", "cloud");
    if (api != "cloud" && api != "server")
      throw Error(DT_INVALID, "plugins.jira.api: '" + api + "' is neither cloud (REST v3) nor server (REST v2)");
    server_ = api == "server";
    rest_ = server_ ? "/rest/api/2" : "/rest/api/3";
  }

  std::string resolve(std::string_view request) override {
    json r = json::parse(request);
    std::string key = key_of(r.at("ticket"));
    json issue = call("GET", rest_ + "/issue/" + url_encode(key) + "?fields=summary,status,assignee", nullptr);
    const json& f = issue.value("fields", json::object());
    return json{{"title", f.value("summary", "")},
                {"state", f.contains("status") && f["status"].is_object() ? f["status"].value("name", "") : ""},
                {"url", base_ + "/browse/" + key},
                {"assignee", f.contains("assignee") && f["assignee"].is_object()
                                 ? f["assignee"].value("displayName", "")
                                 : ""}}
        .dump();
  }

  std::string post(std::string_view text) override {
    json u = json::parse(text);
    std::string key = key_of(u.at("ticket"));
    json created = call("POST", collection(u, key), body_of(u));
    return json{{"remote_id", id_text(created)}}.dump();
  }

  std::string find(std::string_view text) override {
    json u = json::parse(text);
    std::string key = key_of(u.at("ticket"));
    std::string wanted = u.value("idempotency_key", "");
    bool worklog = u.value("kind", "comment") == "worklog";
    for (int start = 0; start < 5000;) {
      json page = call("GET", collection(u, key) + "?expand=properties&startAt=" + std::to_string(start) +
                                  "&maxResults=100", nullptr);
      json items = page.value(worklog ? "worklogs" : "comments", json::array());
      for (const auto& item : items)
        if (item.is_object() && carries_key(item, wanted, worklog)) return json{{"remote_id", id_text(item)}}.dump();
      start += static_cast<int>(items.size());
      if (items.empty() || start >= page.value("total", 0)) break;
    }
    throw devtrack::sdk::NotFound();
  }

  std::string amend(std::string_view text) override {
    json r = json::parse(text);
    const json& u = r.at("update");
    std::string key = key_of(u.at("ticket"));
    json body = body_of(u);
    body.erase("properties");  // set once, at creation (Cloud)
    call("PUT", collection(u, key) + "/" + url_encode(r.value("remote_id", "")), body);
    return json{{"remote_id", r.value("remote_id", "")}}.dump();
  }

  std::string transition(std::string_view text) override {
    json r = json::parse(text);
    std::string key = key_of(r.at("ticket"));
    std::string status = r.value("status", "");
    if (!transitions_.contains(status)) return json{{"remote_id", ""}}.dump();  // not mapped: nothing to do
    std::string wanted = transitions_[status];
    json available = call("GET", rest_ + "/issue/" + url_encode(key) + "/transitions", nullptr);
    std::string names;
    for (const auto& t : available.value("transitions", json::array())) {
      std::string name = t.value("name", "");
      std::string to = t.contains("to") && t["to"].is_object() ? t["to"].value("name", "") : "";
      if (name == wanted || to == wanted) {
        call("POST", rest_ + "/issue/" + url_encode(key) + "/transitions",
             json{{"transition", {{"id", t.value("id", "")}}}});
        return json{{"remote_id", t.value("id", "")}}.dump();
      }
      names += (names.empty() ? "" : ", ") + name;
    }
    throw Error(DT_PERMANENT, key + " has no transition '" + wanted + "' now (available: " + names +
                                  "); see plugins.jira.transitions");
  }

  std::string list_assigned(std::string_view) override {
    json tickets = json::array();
    std::string jql = url_encode("assignee = currentUser() AND statusCategory != Done ORDER BY updated DESC");
    for (int start = 0; start < 1000;) {
      json page = call("GET", rest_ + "/search?jql=" + jql + "&startAt=" + std::to_string(start) +
                                  "&maxResults=50&fields=summary,status", nullptr);
      json issues = page.value("issues", json::array());
      for (const auto& i : issues) {
        const json& f = i.value("fields", json::object());
        tickets.push_back({{"ticket", {{"system", "jira"}, {"key", i.value("key", "")}}},
                           {"title", f.value("summary", "")},
                           {"url", base_ + "/browse/" + i.value("key", "")},
                           {"state", f.contains("status") && f["status"].is_object() ? f["status"].value("name", "")
                                                                                     : ""}});
      }
      start += static_cast<int>(issues.size());
      if (issues.empty() || start >= page.value("total", 0)) break;
    }
    return json{{"tickets", tickets}}.dump();
  }

  std::string doctor() override {
    json checks = json::array();
    bool settings = !base_.empty() && (server_ || !email_.empty());
    checks.push_back({{"name", "settings"},
                      {"ok", settings},
                      {"detail", settings ? (server_ ? "base_url is set (Server, REST v2)" : "base_url and email are set")
                                          : "base_url or email is missing"},
                      {"fix", settings ? json(nullptr) : json("set plugins.jira.base_url and plugins.jira.email")}});
    bool token = !token_or_empty().empty();
    checks.push_back({{"name", "token"},
                      {"ok", token},
                      {"detail", token ? "an API token is configured" : "no Jira API token found"},
                      {"fix", token ? json(nullptr)
                                    : json("devtrack secret set jira; then plugins.jira.token: enc:jira")}});
    return json{{"checks", checks}}.dump();
  }

 private:
  static std::string key_of(const json& ticket) {
    std::string key = ticket.value("key", "");
    if (key.empty()) throw Error(DT_PERMANENT, "not a Jira ticket: " + ticket.dump());
    return key;
  }

  static std::string id_text(const json& item) {
    if (item.contains("id") && item["id"].is_string()) return item["id"];
    if (item.contains("id") && item["id"].is_number()) return std::to_string(item["id"].get<long long>());
    return "";
  }

  std::string collection(const json& u, const std::string& key) const {
    return rest_ + "/issue/" + url_encode(key) + (u.value("kind", "comment") == "worklog" ? "/worklog" : "/comment");
  }

  static std::string marker(const std::string& key) { return "devtrack:" + key; }

  // Whether a listed comment or worklog is the post with idempotency key
  // `wanted`: its property (Cloud) or the last line of its text (Server).
  bool carries_key(const json& item, const std::string& wanted, bool worklog) const {
    if (server_) {
      const char* field = worklog ? "comment" : "body";
      std::string text = item.contains(field) && item[field].is_string() ? item[field].get<std::string>() : "";
      std::string tail = "\n" + marker(wanted);
      return text.size() >= tail.size() && text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
    }
    for (const auto& p : item.value("properties", json::array()))
      if (p.value("key", "") == kProperty && p.contains("value") && p["value"].is_object() &&
          p["value"].value("idempotency_key", "") == wanted)
        return true;
    return false;
  }

  // The text as Jira takes it: a document (Cloud) or plain text ending in
  // the key's line (Server).
  json rich(const std::string& text, const json& u) const {
    if (!server_) return adf(text);
    return text + "\n\n" + marker(u.value("idempotency_key", ""));
  }

  // The text Jira shows: the answer, then its commits.
  static std::string text_of(const json& u) {
    std::string text = u.value("text", "");
    if (text.empty()) text = "Worked on this.";
    if (u.contains("commits") && u["commits"].is_array() && !u["commits"].empty()) {
      text += "\nCommits:";
      for (const auto& c : u["commits"]) text += "\n" + c.value("commit", "").substr(0, 12) + " " + c.value("summary", "");
    }
    return text;
  }

  json body_of(const json& u) {
    json property = json::array({{{"key", kProperty}, {"value", {{"idempotency_key", u.value("idempotency_key", "")}}}}});
    json body;
    if (u.value("kind", "comment") != "worklog") {
      body = {{"body", rich(text_of(u), u)}};
      if (!server_) body["properties"] = property;
      return body;
    }
    int minutes = u.contains("minutes") && u["minutes"].is_number() ? u["minutes"].get<int>() : 0;
    if (minutes <= 0) throw Error(DT_PERMANENT, "a worklog needs a duration");
    body = {{"timeSpentSeconds", minutes * 60},
            {"started", jira_time(started_ms(u, minutes))},
            {"comment", rich(u.value("text", ""), u)}};
    if (!server_) body["properties"] = property;
    return body;
  }

  // When the work began: the host's "started_ms" where it knows (from
  // activity, or a day's first answer), else the duration back from the
  // answer ("started_at_ms", or now).
  int64_t started_ms(const json& u, int minutes) {
    if (u.contains("started_ms") && u["started_ms"].is_number_integer()) return u["started_ms"].get<int64_t>();
    int64_t answered = u.contains("started_at_ms") && u["started_at_ms"].is_number() ? u["started_at_ms"].get<int64_t>()
                                                                                      : host().now_ms();
    return answered - minutes * 60'000LL;
  }

  // Jira's format, in the user's zone: 2026-06-01T10:00:00.000+0200.
  std::string jira_time(int64_t ms) const {
    const date::time_zone* zone;
    try {
      zone = timezone_.empty() ? date::current_zone() : date::locate_zone(timezone_);
    } catch (const std::exception&) {
      zone = date::locate_zone("UTC");
    }
    auto t = date::floor<std::chrono::milliseconds>(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
    return date::format("%FT%T%z", date::make_zoned(zone, t));
  }

  std::string token_or_empty() { return host().first_secret({token_ref_, "env:JIRA_API_TOKEN"}); }

  // Cloud: e-mail + API token, basic. Server: a personal access token as
  // Bearer, or username + password/token, basic.
  json authorised(json request) {
    std::string token = token_or_empty();
    if (server_) {
      if (token.empty()) throw Error(DT_AUTH, "no Jira token (plugins.jira.token, or JIRA_API_TOKEN)");
      if (username_.empty()) request["headers"]["Authorization"] = "Bearer " + token;
      else request["basic_auth"] = {{"user", username_}, {"password", token}};
      return request;
    }
    if (token.empty() || email_.empty())
      throw Error(DT_AUTH, "no Jira credentials (plugins.jira.email and plugins.jira.token, or JIRA_API_TOKEN)");
    request["basic_auth"] = {{"user", email_}, {"password", token}};
    return request;
  }

  json call(const std::string& method, const std::string& path, const json& body) {
    if (base_.empty()) throw Error(DT_PERMANENT, "plugins.jira.base_url is not set");
    json response = trackers::send_json(
        host(),
        authorised({{"method", method},
                    {"url", base_ + path},
                    {"headers", {{"Accept", "application/json"}, {"User-Agent", "devtrack"}}}}),
        body);
    if (trackers::succeeded(response)) return trackers::body_json(response, "Jira");
    int status = response.value("status", 0);
    json err = json::parse(response.value("body", ""), nullptr, false);
    std::string message = std::to_string(status);
    if (err.is_object()) {
      for (const auto& m : err.value("errorMessages", json::array()))
        if (m.is_string()) message += " " + m.get<std::string>();
      if (err.contains("errors") && err["errors"].is_object())
        for (const auto& [k, v] : err["errors"].items()) message += " " + k + ": " + (v.is_string() ? v.get<std::string>() : v.dump());
      if (err.contains("message") && err["message"].is_string()) message += " " + err["message"].get<std::string>();
    }
    devtrack::sdk::throw_for_http_status(status, message, trackers::retry_after_s(response));
  }

  std::string base_, email_, username_, token_ref_, timezone_;
  bool server_ = false;
  std::string rest_ = "/rest/api/3";
  json transitions_;
};

}  // namespace

DEVTRACK_PLUGIN(Jira, "jira", "Jira", "0.1.0", DT_RUNS_IN_WORKER,
                "Posts your answers as comments and worklogs on Jira Cloud, Server and Data Center issues, moves them "
                "through your workflow, "
                "and lists the issues assigned to you.",
                kOptions)

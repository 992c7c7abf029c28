// The Gitea tracker, for Gitea, Forgejo and Codeberg: comments on issues
// (with the hidden marker holding the idempotency key, so find() can tell
// an earlier post), edits them, resolves issues and lists the ones
// assigned to the user. REST API v1 as Gitea describes it (swagger at
// /api/swagger); all HTTP goes through the host.
//
// A third-party plugin in all but location: it uses the SDK and
// plugins/common only, and core knows nothing of it.
#include <devtrack/sdk.hpp>

#include <nlohmann/json.hpp>

#include "issue_comment.h"
#include "tracker_http.h"

using nlohmann::json;
using devtrack::sdk::Error;
namespace trackers = devtrack::trackers;

namespace {

const dt_option kOptions[] = {
    {"base_url", DT_OPT_URL, "\"https://codeberg.org/api/v1\"",
     "API root: https://HOST/api/v1 (Codeberg, gitea.com, your Gitea or Forgejo)."},
    {"token", DT_OPT_SECRET, nullptr, "Access token reference (devtrack secret set gitea); default: GITEA_TOKEN."},
    {nullptr, 0, nullptr, nullptr},
};

class Gitea : public devtrack::sdk::Tracker {
 public:
  // #12 in a repository, owner/repo#12, and issue or pull URLs on the
  // public instances. A self-hosted instance's URLs are not recognised
  // (the syntax is static); its #12 and owner/repo#12 are.
  static constexpr const char* ticket_syntax = R"({
    "show": "{repo}#{number}",
    "text": ["{repo}#{number}", "#{number}"],
    "urls": [{"host": ["codeberg.org", "gitea.com", "next.forgejo.org"], "path": "/{repo}/issues/{number}"},
             {"host": ["codeberg.org", "gitea.com", "next.forgejo.org"], "path": "/{repo}/pulls/{number}"}],
    "branch": ["issue-{number}", "{number}"]
  })";

  Gitea(const dt_host* host, std::string_view config_json) : Tracker(host) {
    json c = json::parse(config_json, nullptr, false);
    if (!c.is_object()) c = json::object();
    base_ = c.value("base_url", "https://codeberg.org/api/v1");
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    token_ref_ = c.value("token", "");
  }

  std::string resolve(std::string_view request) override {
    json r = json::parse(request);
    json issue = call("GET", issue_path(r.at("ticket"), r), nullptr);
    return trackers::resolved_issue(issue);
  }

  std::string post(std::string_view text) override {
    json u = json::parse(text);
    json created = call("POST", issue_path(u.at("ticket"), u) + "/comments", json{{"body", trackers::issue_comment(u)}});
    return json{{"remote_id", std::to_string(created.value("id", 0L))}}.dump();
  }

  // Gitea lists an issue's comments in one reply (no paging in API v1).
  std::string find(std::string_view text) override {
    json u = json::parse(text);
    std::string needle = trackers::comment_marker(u.value("idempotency_key", ""));
    json comments = call("GET", issue_path(u.at("ticket"), u) + "/comments", nullptr);
    if (comments.is_array())
      for (const auto& c : comments)
        if (c.is_object() && c.value("body", "").find(needle) != std::string::npos)
          return json{{"remote_id", std::to_string(c.value("id", 0L))}}.dump();
    throw devtrack::sdk::NotFound();
  }

  std::string amend(std::string_view text) override {
    json r = json::parse(text);
    const json& u = r.at("update");
    call("PATCH", "/repos/" + repo_of(u.at("ticket"), u) + "/issues/comments/" + r.value("remote_id", ""),
         json{{"body", trackers::issue_comment(u)}});
    return json{{"remote_id", r.value("remote_id", "")}}.dump();
  }

  std::string list_assigned(std::string_view) override {
    json tickets = json::array();
    for (int page = 1; page <= 10; ++page) {
      json items = call("GET", "/repos/issues/search?assigned=true&state=open&type=issues&limit=50&page=" +
                                   std::to_string(page),
                        nullptr);
      if (!items.is_array() || items.empty()) break;
      for (const auto& i : items) {
        if (!i.is_object()) continue;
        std::string repo = i.contains("repository") && i["repository"].is_object()
                               ? i["repository"].value("full_name", "")
                               : "";
        tickets.push_back({{"ticket", {{"tracker", std::string(host().plugin_id())}, {"repo", repo},
                                       {"number", i.value("number", 0)}}},
                           {"title", i.value("title", "")},
                           {"url", i.value("html_url", "")},
                           {"state", i.value("state", "")}});
      }
      if (items.size() < 50) break;
    }
    return json{{"tickets", tickets}}.dump();
  }

  std::string doctor() override {
    bool ok = !token().empty();
    return json{{"checks", json::array({{{"name", "token"},
                                          {"ok", ok},
                                          {"detail", ok ? "a token is configured" : "no Gitea token found"},
                                          {"fix", ok ? json(nullptr)
                                                     : json("devtrack secret set gitea; then plugins.gitea.token: "
                                                            "enc:gitea (or export GITEA_TOKEN)")}}})}}
        .dump();
  }

 private:
  // owner/name: the ticket's, else the one the host resolved for the update.
  static std::string repo_of(const json& ticket, const json& update) {
    for (const json* j : {&ticket, &update})
      if (j->contains("repo") && (*j)["repo"].is_string() && !(*j)["repo"].get<std::string>().empty())
        return (*j)["repo"];
    throw Error(DT_PERMANENT, "no repository for Gitea issue #" + std::to_string(ticket.value("number", 0)) +
                                  ": write owner/name#N, or set projects[].trackers.gitea");
  }

  static std::string issue_path(const json& ticket, const json& update) {
    return "/repos/" + repo_of(ticket, update) + "/issues/" + std::to_string(ticket.value("number", 0));
  }

  std::string token() { return host().first_secret({token_ref_, "env:GITEA_TOKEN"}); }

  json call(const std::string& method, const std::string& path, const json& body) {
    std::string t = token();
    if (t.empty()) throw Error(DT_AUTH, "no Gitea token (plugins.gitea.token or GITEA_TOKEN)");
    json response = trackers::send_json(
        host(),
        {{"method", method},
         {"url", base_ + path},
         {"headers", {{"Accept", "application/json"}, {"Authorization", "token " + t}}}},
        body);
    if (!trackers::succeeded(response)) {
      int status = response.value("status", 0);
      json err = json::parse(response.value("body", ""), nullptr, false);
      std::string message = std::to_string(status) + " " + (err.is_object() ? err.value("message", "") : "");
      devtrack::sdk::throw_for_http_status(status, message, trackers::retry_after_s(response));
    }
    // Every call made here answers with a body: an empty one went wrong.
    if (response.value("body", "").empty()) throw Error(DT_RETRY, "Gitea sent an empty reply");
    return trackers::body_json(response, "Gitea");
  }

  std::string base_;
  std::string token_ref_;
};

}  // namespace

DEVTRACK_PLUGIN(Gitea, "gitea", "Gitea / Forgejo", "0.1.0", DT_RUNS_IN_WORKER,
                "Posts your answers as comments on Gitea, Forgejo and Codeberg issues; resolves issues and lists the "
                "ones assigned to you.",
                kOptions)

// The GitHub tracker: comments on issues (with a hidden marker holding the
// idempotency key, so find() can tell an earlier post), edits them, resolves
// issues and lists the ones assigned to the user. REST API per GitHub's
// docs; all HTTP goes through the host (TLS, CA file, proxies, redaction).
#include <devtrack/sdk.hpp>

#include <algorithm>

#include <nlohmann/json.hpp>
#include <optional>

#include "issue_comment.h"
#include "ticket_syntax.h"
#include "tracker_http.h"

using nlohmann::json;
using devtrack::sdk::Error;
namespace trackers = devtrack::trackers;

namespace {

const dt_option kOptions[] = {
    {"token", DT_OPT_SECRET, nullptr,
     "API token reference; default: GH_TOKEN / GITHUB_TOKEN, then `gh auth token`."},
    {"base_url", DT_OPT_URL, "\"https://api.github.com\"", "API root (GitHub Enterprise: https://HOST/api/v3)."},
    {nullptr, 0, nullptr, nullptr},
};

class GitHub : public devtrack::sdk::Tracker {
 public:
  // What its tickets look like (ABI 1.1): plugins/common/ticket_syntax.h.
  static constexpr const char* ticket_syntax = devtrack::trackers::kGitHubTickets;

  GitHub(const dt_host* host, std::string_view config_json) : Tracker(host) {
    json c = json::parse(config_json, nullptr, false);
    if (!c.is_object()) c = json::object();
    base_ = c.value("base_url", "https://api.github.com");
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    token_ref_ = c.value("token", "");
  }

  std::string resolve(std::string_view request) override {
    json r = json::parse(request);
    json issue = call("GET", issue_path(r.at("ticket"), r) , nullptr);
    return trackers::resolved_issue(issue);
  }

  std::string post(std::string_view text) override {
    json u = json::parse(text);
    json created =
        call("POST", issue_path(u.at("ticket"), u) + "/comments", json{{"body", trackers::issue_comment(u)}});
    return json{{"remote_id", std::to_string(created.value("id", 0L))}}.dump();
  }

  // Looks for the marker of an earlier post among the issue's comments, on
  // every page (a busy issue has more than 100), newest page first: an
  // earlier attempt of ours is most likely near the end. GitHub lists
  // comments oldest first, so this reads page 1, then from the last page
  // back (Link rel="last", then rel="prev").
  std::string find(std::string_view text) override {
    json u = json::parse(text);
    std::string needle = trackers::comment_marker(u.value("idempotency_key", ""));
    std::string url = base_ + issue_path(u.at("ticket"), u) + "/comments?per_page=100";
    for (int page = 0; !url.empty(); ++page) {
      if (page == kMaxFindPages) {
        host().log(DT_LOG_WARN, "find(): stopped after 100 pages of comments; posting");
        break;
      }
      json response = request("GET", url, nullptr);
      // An empty reply is one that went wrong, not an empty page: retried.
      if (response.value("body", "").empty()) throw Error(DT_RETRY, "GitHub sent a reply that is not JSON");
      if (auto id = comment_with(trackers::body_json(response, "GitHub"), needle))
        return json{{"remote_id", *id}}.dump();
      std::string link = response["headers"].value("link", "");
      if (page == 0) {
        url = link_rel(link, "last");
      } else {
        url = link_rel(link, "prev");
        if (url == link_rel(link, "first")) break;  // page 1 was read first
      }
      if (!url.empty() && !own_server(url)) break;
    }
    throw devtrack::sdk::NotFound();
  }

  std::string amend(std::string_view text) override {
    json r = json::parse(text);
    const json& u = r.at("update");
    std::string repo = repo_of(u.at("ticket"), u);
    call("PATCH", "/repos/" + repo + "/issues/comments/" + r.value("remote_id", ""),
         json{{"body", trackers::issue_comment(u)}});
    return json{{"remote_id", r.value("remote_id", "")}}.dump();
  }

  std::string list_assigned(std::string_view) override {
    json tickets = json::array();
    std::string next = base_ + "/issues?filter=assigned&state=open&per_page=100";
    for (int page = 0; !next.empty() && page < 10; ++page) {
      json response = request("GET", next, nullptr);
      json items = json::parse(response.value("body", "[]"), nullptr, false);
      if (items.is_array())
        for (const auto& i : items) {
          std::string repo = i.contains("repository") && i["repository"].is_object()
                                 ? i["repository"].value("full_name", "")
                                 : "";
          tickets.push_back({{"ticket", {{"system", "github"}, {"repo", repo}, {"number", i.value("number", 0)}}},
                             {"title", i.value("title", "")},
                             {"url", i.value("html_url", "")},
                             {"state", i.value("state", "")}});
        }
      next = link_rel(response["headers"].value("link", ""), "next");
      if (!next.empty() && !own_server(next)) break;
    }
    return json{{"tickets", tickets}}.dump();
  }

  std::string doctor() override {
    std::string token = token_or_empty();
    json check = {{"name", "token"}, {"ok", !token.empty()}};
    check["detail"] = token.empty() ? "no GitHub token found" : "a token is configured";
    check["fix"] = token.empty() ? json("devtrack secret set github; then plugins.github.token: enc:github "
                                        "(or export GH_TOKEN)")
                                 : json(nullptr);
    return json{{"checks", json::array({check})}}.dump();
  }

 private:
  // owner/name: the ticket's, else the one the host resolved for the update.
  std::string repo_of(const json& ticket, const json& update) {
    if (ticket.contains("repo") && ticket["repo"].is_string() && !ticket["repo"].get<std::string>().empty())
      return ticket["repo"];
    if (update.contains("repo") && update["repo"].is_string() && !update["repo"].get<std::string>().empty())
      return update["repo"];
    throw Error(DT_PERMANENT, "no repository for GitHub issue #" + std::to_string(ticket.value("number", 0)) +
                                  ": write owner/name#N, or set projects[].github");
  }

  std::string issue_path(const json& ticket, const json& update) {
    return "/repos/" + repo_of(ticket, update) + "/issues/" + std::to_string(ticket.value("number", 0));
  }

  std::string token_or_empty() {
    return host().first_secret({token_ref_, "env:GH_TOKEN", "env:GITHUB_TOKEN",
                                "cmd:command -v gh >/dev/null && gh auth token 2>/dev/null"});
  }

  json request(const std::string& method, const std::string& url, const json& body) {
    std::string token = token_or_empty();
    if (token.empty()) throw Error(DT_AUTH, "no GitHub token (plugins.github.token, GH_TOKEN or gh auth login)");
    json response = trackers::send_json(host(),
                                        {{"method", method},
                                         {"url", url},
                                         {"headers",
                                          {{"Accept", "application/vnd.github+json"},
                                           {"X-GitHub-Api-Version", "2022-11-28"},
                                           {"User-Agent", "devtrack"},
                                           {"Authorization", "Bearer " + token}}}},
                                        body);
    if (trackers::succeeded(response)) return response;
    int status = response.value("status", 0);
    json err = json::parse(response.value("body", ""), nullptr, false);
    std::string message = std::to_string(status) + " " + (err.is_object() ? err.value("message", "") : "");
    const json& h = response["headers"];
    int retry_after = trackers::retry_after_s(response);
    bool rate_limited = h.value("x-ratelimit-remaining", "") == "0";
    if (rate_limited && h.contains("x-ratelimit-reset")) {
      long reset = std::atol(h["x-ratelimit-reset"].get<std::string>().c_str());
      // Capped like Retry-After: a reset far in the future (or a wrapped
      // one) must not park the update for decades.
      long wait = std::clamp<long>(reset - host().now_ms() / 1000, 0, trackers::kMaxRetryAfterS);
      retry_after = std::max<int>(retry_after, static_cast<int>(wait));
    }
    // GitHub's rate limits answer 403: retried, not a refused token.
    if (status == 403 && (rate_limited || retry_after >= 0)) throw Error(DT_RETRY, message, retry_after);
    devtrack::sdk::throw_for_http_status(status, message, retry_after);
  }

  json call(const std::string& method, const std::string& path, const json& body) {
    json response = request(method, base_ + path, body);
    // Every call made here answers with a body: an empty one is a reply that went wrong.
    if (response.value("body", "").empty()) throw Error(DT_RETRY, "GitHub sent a reply that is not JSON");
    return trackers::body_json(response, "GitHub");
  }

  // The URL of a Link header's relation `rel` ("next", "last"...), or "".
  static std::string link_rel(const std::string& link, const std::string& rel) {
    size_t at = link.find("rel=\"" + rel + "\"");
    if (at == std::string::npos) return "";
    size_t open = link.rfind('<', at), close = link.rfind('>', at);
    if (open == std::string::npos || close == std::string::npos || close < open) return "";
    return link.substr(open + 1, close - open - 1);
  }

  // The token goes only where it was meant to: never follow a link elsewhere.
  bool own_server(const std::string& url) {
    if (url.rfind(base_ + "/", 0) == 0) return true;
    host().log(DT_LOG_WARN, "not following a Link to another server than base_url");
    return false;
  }

  // The id of the comment in a page that holds `needle`.
  static std::optional<std::string> comment_with(const json& comments, const std::string& needle) {
    if (comments.is_array())
      for (const auto& c : comments)
        if (c.is_object() && c.value("body", "").find(needle) != std::string::npos)
          return std::to_string(c.value("id", 0L));
    return std::nullopt;
  }

  static constexpr int kMaxFindPages = 100;  // 10,000 comments

  std::string base_;
  std::string token_ref_;
};

}  // namespace

DEVTRACK_PLUGIN(GitHub, "github", "GitHub Issues", "0.1.0", DT_RUNS_IN_WORKER,
                "Posts your answers as comments on GitHub issues; resolves issues and lists the ones assigned to you.",
                kOptions)

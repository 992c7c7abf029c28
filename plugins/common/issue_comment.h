// What the forge trackers (github, gitea) share of an issue: the comment
// they post — the answer's text, its time and status, the commits, and a
// hidden marker holding the update's idempotency key, which find() looks
// for so that a post whose reply was lost is not made twice — and the
// reading of an issue for resolve() (both APIs give it the same shape).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace devtrack::trackers {

inline std::string comment_marker(const std::string& idempotency_key) {
  return "<!-- devtrack:" + idempotency_key + " -->";
}

// Markdown for update `u` ({"text", "minutes", "status", "commits",
// "idempotency_key"}).
inline std::string issue_comment(const nlohmann::json& u) {
  std::string md = u.value("text", u.value("body", ""));
  if (md.empty()) md = "Worked on this.";
  std::string meta;
  if (u.contains("minutes") && u["minutes"].is_number())
    meta += "**Time:** " + std::to_string(u["minutes"].get<int>()) + " min";
  if (u.contains("status") && u["status"].is_string())
    meta += std::string(meta.empty() ? "" : " · ") + "**Status:** " + u["status"].get<std::string>();
  if (!meta.empty()) md += "\n\n" + meta;
  if (u.contains("commits") && u["commits"].is_array() && !u["commits"].empty()) {
    md += "\n\nCommits:";
    for (const auto& c : u["commits"]) md += "\n- " + c.value("commit", "").substr(0, 12) + " " + c.value("summary", "");
  }
  return md + "\n\n" + comment_marker(u.value("idempotency_key", ""));
}

// resolve()'s result from an issue object: {"title", "state", "url", "assignee"}.
inline std::string resolved_issue(const nlohmann::json& issue) {
  bool assigned = issue.contains("assignee") && issue["assignee"].is_object();
  return nlohmann::json{{"title", issue.value("title", "")},
                        {"state", issue.value("state", "")},
                        {"url", issue.value("html_url", "")},
                        {"assignee", assigned ? issue["assignee"].value("login", "") : ""}}
      .dump();
}

}  // namespace devtrack::trackers

// The bundled trackers' ticket syntax (dt_plugin_descriptor.tickets, in the
// template language of devtrack/tickets.hpp), in one place: each tracker
// declares its own through the SDK, and the rules parser reads a context
// from a 1.0 host (which sends no "trackers") as if these three were there.
#pragma once

namespace devtrack::trackers {

// #12 in a repository, acme/widgets#12, GH-12, PR 12, issue and pull-request URLs
// on any host (GitHub Enterprise too); branches like fix/12-login, gh-12.
inline constexpr const char* kGitHubTickets = R"({
  "show": "{repo}#{number}",
  "text": ["{repo}#{number}", "#{number}", "GH-{number}", "PR {number}", "PR-{number}", "PR{number}", "PR#{number}"],
  "urls": [{"host": "*", "path": "/{repo}/issues/{number}"},
           {"host": "*", "path": "/{repo}/pull/{number}"},
           {"host": "*", "path": "/{repo}/pulls/{number}"}],
  "branch": ["issue-{number}", "issues-{number}", "gh-{number}", "bug-{number}", "{number}"]
})";

// PRX-123 (a configured key in any case), .../browse/PRX-123 and
// ?selectedIssue=PRX-123 on any host; branches like feature/prx-123-login.
inline constexpr const char* kJiraTickets = R"({
  "show": "{key}",
  "text": ["{key}"],
  "urls": [{"host": "*", "path": "/browse/{key}"},
           {"host": "*", "path": "selectedIssue={key}"}],
  "branch": ["{key}"]
})";

// trello:a1B2c3 and https://trello.com/c/a1B2c3/...
inline constexpr const char* kTrelloTickets = R"({
  "show": "trello:{card:id}",
  "text": ["trello:{card:id}"],
  "urls": [{"host": ["trello.com", "www.trello.com"], "path": "/c/{card:id}"}]
})";

}  // namespace devtrack::trackers

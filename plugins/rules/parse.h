// The rules parser: free-text answers and commit messages -> tickets,
// project, duration, status. A hand-written scanner (no std::regex: it is
// slow and recurses on long input); any bytes are safe input.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rules {

struct Ticket {
  std::string system;  // "github" | "jira" | "trello"
  std::string repo;    // github: "owner/name" or ""
  long number = 0;     // github
  std::string key;     // jira: "BILL-7"
  std::string card;    // trello short link
  bool operator==(const Ticket& o) const {
    return system == o.system && repo == o.repo && number == o.number && key == o.key && card == o.card;
  }
};

struct Project {
  std::string id;
  std::string name;
  std::vector<std::string> aliases;
  std::vector<std::string> repos;  // paths or owner/name slugs
  std::string github;              // owner/name
  std::vector<std::string> jira;   // keys
  std::string trello;
};

struct Context {
  std::vector<Project> projects;
  std::string repo;    // the trigger's repository path
  std::string slug;    // its remote owner/name
  std::string branch;  // e.g. feature/PRX-123-login
};

struct Result {
  std::vector<Ticket> tickets;
  std::vector<Ticket> branch_tickets;     // suggested by the branch name
  std::string project;                    // "" = none
  std::vector<std::string> ambiguous;     // several projects matched
  std::optional<int> duration_minutes;
  std::string status;                     // "" | "done" | "in_progress" | "blocked"
  double confidence = 0;
};

// Each part of an answer has its scanner, in its own file:
// Tickets in `text` only (shared by answers and commit messages): tickets.cc.
std::vector<Ticket> find_tickets(std::string_view text, const Context& context);
// The tickets a branch name suggests (feature/PRX-123-login, fix/12-login): tickets.cc.
std::vector<Ticket> tickets_in_branch(const std::string& branch, const Context& context);
// Minutes worked, if the text says: duration.cc.
std::optional<int> find_duration(std::string_view text);
// "" | "done" | "in_progress" | "blocked": status.cc.
std::string find_status(std::string_view text);
// The projects the text points at, most specific evidence first (one id is
// the project, several are ambiguous): project.cc.
std::vector<std::string> project_candidates(std::string_view text, const std::vector<Ticket>& tickets,
                                            const std::vector<Ticket>& branch_tickets, const Context& context);

Result parse(std::string_view text, const Context& context);

}  // namespace rules

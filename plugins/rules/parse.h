// The rules parser: free-text answers and commit messages -> tickets,
// project, duration, status. Tickets are found by the forms the trackers
// declare (ABI 1.1), so any tracker's tickets are understood. A hand-written
// scanner (no std::regex: it is slow and recurses on long input); any bytes
// are safe input.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <devtrack/tickets.hpp>

namespace rules {

// A ticket as found: the tracker it belongs to and the fields its
// template's placeholders matched (devtrack/tickets.hpp).
struct Field {
  std::string name;
  std::string type;   // "number" | "key" | "repo" | "id"
  std::string value;  // "" = not in the text (e.g. the repo of a bare #12)
  bool operator==(const Field& o) const { return name == o.name && value == o.value; }
};

struct Ticket {
  std::string tracker;  // the tracker plugin's id
  std::string show;     // its show template
  std::vector<Field> fields;
  const Field* field(const std::string& name) const {
    for (const auto& f : fields)
      if (f.name == name) return &f;
    return nullptr;
  }
  bool operator==(const Ticket& o) const { return tracker == o.tracker && fields == o.fields; }
};

// One form of a tracker's ticket syntax, split into pieces.
struct Form {
  std::vector<std::string> hosts;  // URL forms: host names, or "*"
  std::vector<devtrack::sdk::TemplatePiece> pieces;
  int literal_chars = 0;  // how specific it is: more literal text wins a tie
};

// A tracker's declared syntax (its descriptor's "tickets"), as the host
// hands it in the context's "trackers".
struct TrackerSyntax {
  std::string id;
  bool enabled = true;
  std::string show;
  std::vector<Form> text, urls, branch;
  std::vector<std::pair<std::string, std::string>> fields;  // every field its forms name, with its type
  std::vector<std::string> prefixes;  // configured key prefixes (projects[].trackers.<id>)
  // ...of them, those that are also a project's everyday name ("SPARK" for
  // a project called spark): "spark 3" is no key.
  std::vector<std::string> word_prefixes;
};

struct Project {
  std::string id;
  std::string name;
  std::vector<std::string> aliases;
  std::vector<std::string> repos;  // paths or owner/name slugs
  // projects[].trackers: tracker id -> what names this project there
  // (owner/name, key prefixes, a board).
  std::vector<std::pair<std::string, std::vector<std::string>>> trackers;
};

struct Context {
  std::vector<Project> projects;
  std::vector<TrackerSyntax> trackers;
  std::string repo;    // the trigger's repository path
  std::string slug;    // its remote owner/name
  std::string branch;  // e.g. feature/PRX-123-login
};

// A reference that fits several trackers equally well: asked, not guessed.
struct Ambiguous {
  std::string text;  // as written, "#12"
  std::vector<Ticket> choices;
};

struct Result {
  std::vector<Ticket> tickets;
  std::vector<Ambiguous> ambiguous_tickets;
  std::vector<Ticket> branch_tickets;     // suggested by the branch name
  std::string project;                    // "" = none
  std::vector<std::string> ambiguous;     // several projects matched
  std::optional<int> duration_minutes;
  std::string status;                     // "" | "done" | "in_progress" | "blocked"
  double confidence = 0;
};

// Each part of an answer has its scanner, in its own file:
// Tickets in `text` only (shared by answers and commit messages), by the
// trackers' declared forms; references several trackers fit equally well
// go to `ambiguous` (when given): tickets.cc.
std::vector<Ticket> find_tickets(std::string_view text, const Context& context,
                                 std::vector<Ambiguous>* ambiguous = nullptr);
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

// Whether the project maps the tracker (projects[].trackers): project.cc.
bool project_uses_tracker(const Context& context, const std::string& project, const std::string& tracker);

Result parse(std::string_view text, const Context& context);

}  // namespace rules

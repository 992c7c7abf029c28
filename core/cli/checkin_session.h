// The client's side of a check-in, shared by `devtrack checkin` and the
// commands that answer prompts (the summary's fill-ins): the answer stored
// before anything else, then parsed here by the parser plugin, routed, and
// saved with its outbox rows in one transaction (checkin/answer.h); then
// the daemon is told. The terminal prompt is checkin_terminal.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "checkin/prompt_view.h"
#include "cli/cli_common.h"
#include "cli/command.h"
#include "store/prompt_store.h"
#include "store/store.h"

namespace devtrack::cli {

class ParserSession;

class Checkin {
 public:
  // Reads the config and the plugins, opens the store.
  Checkin();
  ~Checkin();

  Store& store() { return store_; }
  const Config& config() { return loaded_.config; }

  // The prompt to answer: --id, or the oldest waiting one.
  PromptRow pick(const po::variables_map& args);

  // The prompt as `checkin --list --json` shows it.
  nlohmann::json view(const PromptRow& p);
  // The suggested ticket's title from the offline cache, or null.
  nlohmann::json suggestion_title(const PromptRow& p);
  // The parser's context for a prompt's repository (repo_context()): its
  // path, branch, remote slug, the projects and trackers (JSON text).
  std::string context(const RepoContext& where);
  // The parser plugin, loaded in this process on first use.
  ParserSession& parser();

  // Picks the repository of a ticket that names none (a bare #12), given the
  // candidates ("owner/name"); "" keeps the text only.
  using ChooseRepo = std::function<std::string(const nlohmann::json& ticket, const std::vector<std::string>& repos)>;
  // Picks the tracker of a reference several fit (an "ambiguous_tickets"
  // entry: {"text", "choices": [ticket...]}): the index of the choice, or
  // -1 to keep the text only.
  using ChooseTracker = std::function<int(const nlohmann::json& entry)>;

  // Stores the raw text first, then the parse, then tells the daemon.
  // `choose_project` resolves an ambiguous project (a follow-up question),
  // or returns "". Returns the parse, or null when the answer is stored but
  // could not be understood yet (the daemon parses it later).
  nlohmann::json answer(const PromptRow& p, const std::string& typed, bool use_suggestion, const std::string& project,
                        const std::function<std::string(const nlohmann::json& ambiguous)>& choose_project,
                        const ChooseRepo& choose_repo = nullptr, const ChooseTracker& choose_tracker = nullptr);
  // Skips or defers the prompt (`due_ms` for a deferral).
  void respond(const PromptRow& p, PromptState state, int64_t due_ms = 0);
  // Replaces the answer of an answered prompt and parses it again.
  void correct(const PromptRow& p, const std::string& typed);

  // A ticket without the owner/name its tracker needs goes to the
  // project's repository for that tracker,
  // else the context's remote (as plan_updates picks it). When there is
  // neither, its update could only fail later, out of sight: the user picks
  // a repository now, or keeps the text only (the ticket moves to
  // "unrouted": recorded, posted nowhere).
  void route(nlohmann::json& parsed, const std::string& slug, const ChooseRepo& choose);

  // A reference several trackers fit: the choice made before in this
  // repository, else asked with `choose`; without it (--answer) stderr
  // says how to choose, and nothing is posted for it.
  void settle_trackers(nlohmann::json& parsed, const std::string& repo, const ChooseTracker& choose);

  // Where a ticket of `tracker` without a repository can go: the projects'
  // repositories for that tracker, then the watched repositories' origins.
  std::vector<std::string> route_choices(const std::string& tracker);

  // The parse and the outbox rows it makes, in one transaction.
  void save_parse(const PromptRow& p, int64_t response_id, const std::string& text, const nlohmann::json& parsed,
                  const std::string& slug);

  // Tab completions: project ids and aliases, recent and assigned tickets.
  std::vector<std::string> completions();

  // The open tickets assigned to the user (cached by the worker), as hints.
  nlohmann::json assigned();

  // "recorded prompt 3 · #12 (suggested) · 30 min · done"
  static void print_recorded(int64_t id, const nlohmann::json& parsed);

 private:
  // The write that must not be lost. On failure (a full disk...) the user
  // gets their text back with the reason, so nothing typed is lost.
  int64_t store_first(const std::function<int64_t()>& write, const std::string& text);

  void notify(int64_t prompt_id);

  Loaded loaded_;
  Store store_;
  std::unique_ptr<ParserSession> parser_;
};

// The suggested ticket's title, from the offline cache (null if unknown).
nlohmann::json suggestion_title(Store& store, const PromptRow& p);

}  // namespace devtrack::cli

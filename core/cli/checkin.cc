// devtrack checkin: answer the pending prompt(s) — in the terminal through
// the tty surface plugin, or from scripts with --answer / --skip / --defer.
// The answer is committed to the store before anything else happens; then
// it is parsed here and the daemon is told.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <SQLiteCpp/Exception.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <devtrack/text.hpp>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cli/answer_prompts.h"
#include "checkin/answer.h"
#include "checkin/prompt_view.h"
#include "cli/cli_common.h"
#include "cli/client_plugin.h"
#include "cli/command.h"
#include "cli/parser_session.h"
#include "config/work_hours.h"
#include "git/git_files.h"
#include "ipc/ipc.h"
#include "outbox/outbox.h"
#include "plugin/registry.h"
#include "plugin/string_out.h"
#include "store/assigned.h"
#include "store/capture_store.h"
#include "store/daemon_state.h"
#include "store/outbox_store.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/duration.h"
#include "util/error.h"
#include "util/fault.h"
#include "util/paths.h"
#include "util/strings.h"

using nlohmann::json;

namespace devtrack::cli {

namespace {

// The suggested ticket's title, from the offline cache (null if unknown).
json suggestion_title(Store& store, const PromptRow& p) {
  if (p.suggestion.empty()) return nullptr;
  json t = json::parse(p.suggestion, nullptr, false);
  if (!t.is_object() || !t.contains("system")) return nullptr;
  auto cached = store.cache_get(tracker_for(t["system"]), p.suggestion, process_clock().now_ms());
  if (!cached) return nullptr;
  json r = json::parse(*cached, nullptr, false);
  return r.is_object() && r.contains("title") ? r["title"] : json(nullptr);
}

class Checkin {
 public:
  Checkin() : loaded_(load_config_and_plugins()), store_(paths::database()) {}

  Store& store() { return store_; }
  const Config& config() { return loaded_.config; }

  // The prompt to answer: --id, or the oldest waiting one.
  PromptRow pick(const po::variables_map& args) {
    if (args.count("id")) {
      auto p = get_prompt(store_, args["id"].as<int64_t>());
      if (!p) throw Error("there is no prompt " + std::to_string(args["id"].as<int64_t>()) + " (devtrack checkin --list)");
      return *p;
    }
    auto waiting = unanswered_prompts(store_, 1);
    if (waiting.empty()) throw Error("nothing to answer: no prompt is waiting (devtrack ask opens one)");
    return waiting[0];
  }

  json view(const PromptRow& p) {
    json commits = json::array();
    for (const auto& c : prompt_commits(store_, p.id)) commits.push_back({{"commit", c.commit}, {"summary", c.summary}});
    return {{"id", p.id},
            {"state", p.state},
            {"kind", p.kind},
            {"created", local_iso_time(p.created_ms, config().settings.timezone)},
            {"repo", p.repo.empty() ? json(nullptr) : json(p.repo)},
            {"branch", p.branch.empty() ? json(nullptr) : json(p.branch)},
            {"commits", commits},
            {"suggestion", p.suggestion.empty() ? json(nullptr) : json::parse(p.suggestion)},
            {"suggestion_title", suggestion_title(p)},
            {"due", p.due_ms ? json(local_iso_time(p.due_ms, config().settings.timezone)) : json(nullptr)}};
  }

  json suggestion_title(const PromptRow& p) { return devtrack::cli::suggestion_title(store_, p); }

  std::string context(const PromptRow& p) {
    RepoContext r = repo_context(store_, p);
    return json{{"repo", r.repo}, {"branch", r.branch}, {"slug", r.slug}, {"projects", json::parse(config().projects_json())}}
        .dump();
  }

  ParserSession& parser() {
    if (!parser_) parser_ = std::make_unique<ParserSession>(loaded_.plugins, loaded_.config);
    return *parser_;
  }

  // Stores the raw text first, then the parse. `choose_project` resolves an
  // ambiguous project (a follow-up question), or returns "".
  // Picks the repository of a GitHub ticket that names none, given the
  // candidates ("owner/name"); "" keeps the text only.
  using ChooseRepo = std::function<std::string(const json& ticket, const std::vector<std::string>& repos)>;

  json answer(const PromptRow& p, const std::string& typed, bool use_suggestion, const std::string& project,
              const std::function<std::string(const json& ambiguous)>& choose_project,
              const ChooseRepo& choose_repo = nullptr) {
    // Stored as UTF-8 (a stray byte becomes U+FFFD) so that every JSON
    // payload after this can carry it.
    const std::string text = sdk::to_valid_utf8(typed);
    int64_t response_id = store_first([&] {
      return record_response(store_, p.id, "answered", text, process_clock().now_ms());
    }, text);
    DEVTRACK_FAULT_POINT("checkin.stored");  // tests: die the moment the answer is stored
    json parsed;
    try {
      parsed = json::parse(parser().parse(text, context(p)));
    } catch (const std::exception& e) {
      std::cerr << "devtrack: your answer is stored; it will be understood later (" << e.what() << ")\n";
      notify(p.id);
      return nullptr;
    }
    if (use_suggestion) apply_suggestion(parsed, p.suggestion);
    if (!project.empty()) parsed["project"] = project;
    else if (parsed.contains("ambiguous") && choose_project) {
      std::string chosen = choose_project(parsed["ambiguous"]);
      if (!chosen.empty()) parsed["project"] = chosen;
    }
    route(parsed, json::parse(context(p)).value("slug", ""), choose_repo);
    try {
      save_parse(p, response_id, text, parsed);
    } catch (const std::exception& e) {
      // The answer itself is stored: the daemon parses it again later.
      std::cerr << "devtrack: your answer is stored; it will be understood later (" << e.what() << ")\n";
      notify(p.id);
      return nullptr;
    }
    notify(p.id);
    return parsed;
  }

  void respond(const PromptRow& p, const std::string& state, int64_t due_ms = 0) {
    store_first([&] { return record_response(store_, p.id, state, "", process_clock().now_ms(), due_ms); }, "");
    notify(p.id);
  }

  void correct(const PromptRow& p, const std::string& typed) {
    const std::string text = sdk::to_valid_utf8(typed);
    auto r = latest_response(store_, p.id);
    if (!r || r->state != "answered") throw Error("prompt " + std::to_string(p.id) + " has no answer to correct");
    store_first([&] {
      correct_response(store_, r->id, text, process_clock().now_ms());
      return r->id;
    }, text);
    json parsed = json::parse(parser().parse(text, context(p)));
    apply_suggestion(parsed, p.suggestion);
    route(parsed, json::parse(context(p)).value("slug", ""), nullptr);
    save_parse(p, r->id, text, parsed);
    notify(p.id);
    print_recorded(p.id, parsed);
  }

  // A GitHub ticket without owner/name goes to the project's repository,
  // else the context's remote (as plan_updates picks it). When there is
  // neither, its update could only fail later, out of sight: the user picks
  // a repository now, or keeps the text only (the ticket moves to
  // "unrouted": recorded, posted nowhere).
  void route(json& parsed, const std::string& slug, const ChooseRepo& choose) {
    if (!parsed.is_object() || !parsed.contains("tickets") || !config().plugin_enabled("github")) return;
    std::string fallback = slug;
    if (parsed.contains("project") && parsed["project"].is_string())
      for (const auto& pr : config().projects)
        if (pr.id == parsed["project"] && !pr.github.empty()) fallback = pr.github;
    if (!fallback.empty()) return;
    json kept = json::array(), unrouted = json::array();
    for (auto t : parsed["tickets"]) {
      bool needs_repo = t.is_object() && t.value("system", "") == "github" &&
                        (!t.contains("repo") || !t["repo"].is_string() || t["repo"].get<std::string>().empty());
      if (!needs_repo) {
        kept.push_back(t);
        continue;
      }
      std::string repo = choose ? choose(t, route_choices()) : "";
      if (repo.empty()) {
        if (!choose)
          std::cerr << "devtrack: " << ticket_text(t) << " names no repository, so nothing goes to GitHub for it: "
                    << "write owner/name" << ticket_text(t) << ", or answer with --project ID\n";
        unrouted.push_back(t);
        continue;
      }
      t["repo"] = repo;
      kept.push_back(t);
    }
    if (unrouted.empty() && kept == parsed["tickets"]) return;
    parsed["tickets"] = kept;
    if (!unrouted.empty()) parsed["unrouted"] = unrouted;
  }

  // Where a ticket without a repository can go: the projects' GitHub
  // repositories, then the watched repositories' origin remotes.
  std::vector<std::string> route_choices() {
    std::vector<std::string> repos;
    auto add = [&](const std::string& slug) {
      if (!slug.empty() && std::find(repos.begin(), repos.end(), slug) == repos.end()) repos.push_back(slug);
    };
    for (const auto& pr : config().projects) add(pr.github);
    for (const auto& r : list_repos(store_)) add(git::remote_slug(r.path));
    return repos;
  }

  // The parse and the outbox rows it makes, in one transaction.
  void save_parse(const PromptRow& p, int64_t response_id, const std::string& text, const json& parsed) {
    AnswerContext answered{text, prompt_commits(store_, p.id), json::parse(context(p)).value("slug", "")};
    devtrack::save_parse(store_, config(), response_id, parsed, answered, process_clock().now_ms());
  }

  std::vector<std::string> completions() {
    std::vector<std::string> words;
    for (const auto& p : config().projects) {
      words.push_back(p.id);
      for (const auto& a : p.aliases) words.push_back(a);
    }
    json tickets = json::parse(known_tickets(store_));
    for (const auto& a : assigned()) tickets.push_back(a["ticket"]);
    for (const auto& t : tickets)
      if (auto s = ticket_text(t); !s.empty() && std::find(words.begin(), words.end(), s) == words.end())
        words.push_back(s);
    return words;
  }

  // The open tickets assigned to the user (cached by the worker), as hints.
  json assigned() {
    json out = json::array();
    for (const auto& list : assigned_lists(store_, enabled_trackers(loaded_), process_clock().now_ms()))
      for (const auto& t : json::parse(list.tickets_json)) out.push_back(t);
    return out;
  }

  static void print_recorded(int64_t id, const json& parsed) {
    std::cout << "recorded prompt " << id;
    if (parsed.is_object()) {
      std::string tickets;
      for (const auto& t : parsed["tickets"]) tickets += (tickets.empty() ? "" : ", ") + ticket_text(t);
      if (!tickets.empty()) std::cout << " · " << tickets << (parsed.value("from_suggestion", false) ? " (suggested)" : "");
      if (parsed["project"].is_string()) std::cout << " · project " << parsed["project"].get<std::string>();
      if (parsed["duration_minutes"].is_number()) std::cout << " · " << parsed["duration_minutes"] << " min";
      if (parsed["status"].is_string()) std::cout << " · " << status_text(parsed["status"].get<std::string>());
      std::string unrouted;
      for (const auto& t : parsed.value("unrouted", json::array())) unrouted += (unrouted.empty() ? "" : ", ") + ticket_text(t);
      if (!unrouted.empty()) std::cout << " · text only for " << unrouted << " (no repository)";
    }
    std::cout << "\n";
  }

 private:
  // The write that must not be lost. On failure (a full disk...) the user
  // gets their text back with the reason, so nothing typed is lost.
  template <class F>
  int64_t store_first(F write, const std::string& text) {
    try {
      return write();
    } catch (const SQLite::Exception& e) {
      throw Error("cannot store the answer in " + paths::database() + ": " + e.what() +
                  (text.empty() ? std::string() : "\nyour answer was: " + text));
    }
  }

  void notify(int64_t prompt_id) {
    update_pending_marker(store_, paths::home());
    try {
      daemon_call("prompt.changed", json{{"prompt_id", prompt_id}}.dump());
    } catch (const ipc::NotRunning&) {
      // The daemon reads the store when it starts.
    } catch (const std::exception& e) {
      std::cerr << "devtrack: the answer is stored, but the daemon was not told: " << e.what() << "\n";
    }
  }

  Loaded loaded_;
  Store store_;
  std::unique_ptr<ParserSession> parser_;
};

// The tty surface plugin, loaded in this process.
class Terminal {
 public:
  explicit Terminal(const std::vector<PluginInfo>& plugins)
      : plugin_(require_plugin(plugins, "tty"), "{}", "the tty surface") {
    surface_ = static_cast<const dt_surface_v1*>(plugin_.table(DEVTRACK_SURFACE_V1));
    self_ = plugin_.self();
    if (!surface_->available(self_)) throw Error("no terminal to ask in: use --answer, --skip or --defer");
  }

  json show(const json& prompt) {
    StringOut out;
    std::string text = prompt.dump();
    if (surface_->show(self_, text.c_str(), &out.out) != DT_OK) throw Error("the terminal prompt failed: " + out.text);
    return json::parse(out.text);
  }

 private:
  ClientPlugin plugin_;
  const dt_surface_v1* surface_ = nullptr;
  void* self_ = nullptr;
};

// What the terminal prompt shows that may change while it waits: the lines
// above (about_lines, then `tail`, which does not change) and the suggestion.
json live_view(Store& store, const Config& config, const PromptRow& p, const std::vector<std::string>& tail) {
  json lines = json::array();
  for (const auto& l : about_lines(store, config, p)) lines.push_back(l);
  for (const auto& l : tail) lines.push_back(l);
  json title = suggestion_title(store, p);
  return {{"context", lines},
          {"suggestion", p.suggestion.empty() ? json(nullptr)
                                              : json(ticket_text(json::parse(p.suggestion)) +
                                                     (title.is_string() ? " — " + title.get<std::string>() : ""))}};
}

// Keeps a terminal prompt up to date while it waits for the user: with a
// cold worker the commit's subject (and a suggestion from its message, and
// the ticket's title) arrive after the prompt is shown. A thread polls the
// store on a connection of its own and writes each changed view as a line
// to a pipe that the tty plugin reads (its "refresh_fd") and redraws from.
class ContextFeed {
 public:
  ContextFeed(const Config& config, const PromptRow& p, std::vector<std::string> tail, json shown)
      : config_(config), prompt_(p), tail_(std::move(tail)), last_(std::move(shown)) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;  // no updates, the prompt works as before
    read_fd_ = fds[0];
    write_fd_ = fds[1];
    // Never block on a full pipe (a prompt that does not read it).
    ::fcntl(write_fd_, F_SETFL, ::fcntl(write_fd_, F_GETFL) | O_NONBLOCK);
    thread_ = std::thread([this] { run(); });
  }
  ~ContextFeed() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (read_fd_ >= 0) ::close(read_fd_);
    if (write_fd_ >= 0) ::close(write_fd_);
  }
  ContextFeed(const ContextFeed&) = delete;
  ContextFeed& operator=(const ContextFeed&) = delete;

  int fd() const { return read_fd_; }

 private:
  void run() {
    try {
      Store store(paths::database());
      std::unique_lock<std::mutex> lock(mutex_);
      while (!wake_.wait_for(lock, std::chrono::milliseconds(250), [this] { return stop_; })) {
        lock.unlock();
        send_if_changed(store);
        lock.lock();
      }
    } catch (const std::exception&) {
      // The store is busy or gone: the prompt goes on as it was drawn.
    }
  }

  void send_if_changed(Store& store) {
    auto now = get_prompt(store, prompt_.id);
    if (!now) return;
    json view = live_view(store, config_, *now, tail_);
    if (view == last_) return;
    std::string line = view.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    if (::write(write_fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size())) last_ = std::move(view);
  }

  const Config& config_;
  PromptRow prompt_;
  std::vector<std::string> tail_;
  json last_;
  int read_fd_ = -1, write_fd_ = -1;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

// The lines below about_lines: the assigned tickets, the prompt's state,
// trackers that refused their credentials.
std::vector<std::string> tail_lines(Checkin& c, const PromptRow& p) {
  std::vector<std::string> lines;
  if (p.suggestion.empty()) {
    json assigned = c.assigned();
    for (size_t i = 0; i < assigned.size() && i < 3; ++i)
      lines.push_back((i == 0 ? "Assigned to you: " : "                 ") + ticket_text(assigned[i]["ticket"]) + " " +
                      assigned[i].value("title", ""));
    if (assigned.size() > 3) lines.push_back("                 and " + std::to_string(assigned.size() - 3) +
                                             " more (devtrack tickets)");
  }
  if (p.state != "pending")
    lines.push_back("(" + p.state + ", asked " + local_moment(p.created_ms, c.config().settings.timezone) + ")");
  // A tracker that refused its credentials is said where the user looks.
  for (const auto& b : blocked_plugins(c.store()))
    lines.push_back("Note: " + b + " refused the credentials; its updates wait (devtrack doctor).");
  return lines;
}

json tty_prompt(Checkin& c, const PromptRow& p, int timeout_s, const json& view) {
  return {{"id", p.id},
          {"question", "What did you work on?"},
          {"context", view["context"]},
          {"suggestion", view["suggestion"]},
          {"completions", c.completions()},
          {"defer_s", c.config().prompt.defer.count()},
          {"timeout_s", timeout_s},
          {"history_file", paths::home() + "/history"}};
}

// Asks one prompt in the terminal. Returns false if the user left it.
bool ask_in_terminal(Checkin& c, Terminal& term, const PromptRow& asked, int timeout_s) {
  json r;
  {
    std::vector<std::string> tail = tail_lines(c, asked);
    json view = live_view(c.store(), c.config(), asked, tail);
    json prompt = tty_prompt(c, asked, timeout_s, view);
    ContextFeed feed(c.config(), asked, tail, view);
    if (feed.fd() >= 0) prompt["refresh_fd"] = feed.fd();
    r = term.show(prompt);
  }
  // The suggestion may have come while the prompt waited (from the commit's
  // message): Enter accepted what was shown.
  PromptRow p = get_prompt(c.store(), asked.id).value_or(asked);
  std::string action = r.value("action", "");
  // Whoever answered is at the terminal: follow-up questions do not time out.
  auto choose = [&](const json& ambiguous) -> std::string {
    json choices = json::array();
    for (const auto& id : ambiguous) choices.push_back(id);
    json pick = term.show({{"question", "Which project?"}, {"choices", choices}, {"timeout_s", 0}});
    if (pick.value("action", "") != "choice") return "";
    return ambiguous[pick["index"].get<size_t>()];
  };
  auto choose_repo = [&](const json& ticket, const std::vector<std::string>& repos) -> std::string {
    std::string name = ticket_text(ticket);
    if (repos.empty()) {
      std::cout << name << " names no repository, so nothing goes to GitHub for it (write owner/name" << name
                << ", or set projects[].github)\n";
      return "";
    }
    json choices = json::array();
    for (const auto& repo : repos) choices.push_back(repo + name);
    choices.push_back("keep the text only (nothing goes to GitHub for " + name + ")");
    json pick = term.show({{"question", name + " names no repository, so it cannot go to GitHub. Which one?"},
                           {"choices", choices},
                           {"timeout_s", 0}});
    if (pick.value("action", "") != "choice" || pick["index"].get<size_t>() >= repos.size()) return "";
    return repos[pick["index"].get<size_t>()];
  };
  if (action == "accept") {
    Checkin::print_recorded(p.id, c.answer(p, "", true, "", choose, choose_repo));
  } else if (action == "answer") {
    Checkin::print_recorded(p.id, c.answer(p, r["text"], !r.value("suggestion_cleared", false), "", choose, choose_repo));
  } else if (action == "skip") {
    c.respond(p, "skipped");
    std::cout << "skipped (it comes back in the end-of-day review)\n";
  } else if (action == "defer") {
    int64_t due = process_clock().now_ms() + r.value("seconds", int64_t{1800}) * 1000;
    c.respond(p, "deferred", due);
    std::cout << "asking again " << local_when(due, c.config().settings.timezone) << "\n";
  } else {
    return false;  // later / timeout: it stays as it is
  }
  return true;
}

// The database cannot even be opened (busy past the timeout, full): an
// answer given on the command line comes back to the user, never lost.
std::unique_ptr<Checkin> open_checkin(const po::variables_map& args) {
  try {
    return std::make_unique<Checkin>();
  } catch (const std::exception& e) {
    if (!args.count("answer")) throw;
    throw Error(std::string(e.what()) + "\nyour answer was NOT saved; it was: " + args["answer"].as<std::string>());
  }
}

int run_checkin(const po::variables_map& args) {
  std::unique_ptr<Checkin> checkin = open_checkin(args);
  Checkin& c = *checkin;
  bool json_out = args.count("json") > 0;
  if (args.count("list")) {
    auto rows = unanswered_prompts(c.store());
    json list = json::array();
    for (const auto& p : rows) list.push_back(c.view(p));
    if (json_out) {
      std::cout << list.dump(2) << "\n";
    } else if (list.empty()) {
      std::cout << "nothing to answer\n";
    } else {
      for (size_t i = 0; i < rows.size(); ++i) {
        const json& p = list[i];
        std::cout << "prompt " << p["id"] << " (" << p["state"].get<std::string>() << ", asked "
                  << local_moment(rows[i].created_ms, c.config().settings.timezone) << ")";
        if (p["repo"].is_string()) std::cout << " " << std::filesystem::path(p["repo"].get<std::string>()).filename().string();
        if (p["branch"].is_string()) std::cout << " (" << p["branch"].get<std::string>() << ")";
        if (!p["commits"].empty()) std::cout << ", " << p["commits"].size() << " commit(s)";
        if (!p["suggestion"].is_null()) std::cout << ", suggested " << ticket_text(p["suggestion"]);
        std::cout << "\n";
      }
    }
    return kOk;
  }
  std::string project;
  if (args.count("project")) {
    project = args["project"].as<std::string>();
    bool known = false;
    for (const auto& p : c.config().projects) known = known || p.id == project;
    if (!known) throw UsageError("--project: no project '" + project + "' in the config");
  }
  if (args.count("edit")) {
    auto p = get_prompt(c.store(), args["edit"].as<int64_t>());
    if (!p) throw Error("there is no prompt " + std::to_string(args["edit"].as<int64_t>()));
    if (!args.count("answer")) throw UsageError("--edit needs --answer TEXT with the corrected answer");
    c.correct(*p, args["answer"].as<std::string>());
    return kOk;
  }
  if (args.count("answer")) {
    PromptRow p = c.pick(args);
    json parsed = c.answer(p, args["answer"].as<std::string>(), !args.count("no-suggestion"), project, nullptr);
    if (json_out) std::cout << json{{"prompt_id", p.id}, {"parsed", parsed}}.dump() << "\n";
    else Checkin::print_recorded(p.id, parsed);
    return kOk;
  }
  if (args.count("skip")) {
    PromptRow p = c.pick(args);
    c.respond(p, "skipped");
    std::cout << "skipped prompt " << p.id << "\n";
    return kOk;
  }
  if (args.count("defer")) {
    std::string d = args["defer"].as<std::string>();
    auto delay = d.empty() ? c.config().prompt.defer : parse_duration(d).value_or(std::chrono::seconds(0));
    if (delay.count() <= 0) throw UsageError("--defer takes a duration like 30m");
    if (auto range = duration_range_error("--defer", delay); !range.empty()) throw UsageError(range);
    PromptRow p = c.pick(args);
    int64_t due = process_clock().now_ms() + delay.count() * 1000;
    c.respond(p, "deferred", due);
    std::cout << "prompt " << p.id << " comes back " << local_when(due, c.config().settings.timezone) << "\n";
    return kOk;
  }

  if (args.count("inline")) {
    // From the post-commit hook: only when configured, and only for the
    // prompt of this repository, which the daemon opens in a few ms.
    if (!c.config().prompt.inline_prompt || !args.count("repo")) return kOk;
    // Not while paused, nor outside working hours: the prompt waits.
    if (paused(c.store(), process_clock().now_ms())) return kOk;
    if (!in_work_hours(c.config(), process_clock().now_ms())) return kOk;
    std::string repo = git::resolve_dirs(args["repo"].as<std::string>()).top;
    std::optional<PromptRow> p;
    for (int i = 0; i < 100 && !p; ++i) {
      p = open_prompt(c.store(), repo);
      if (!p) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!p) return kOk;
    Terminal term(load_registry());
    ask_in_terminal(c, term, *p, static_cast<int>(c.config().prompt.inline_timeout.count()));
    return kOk;
  }

  // Interactive: every waiting prompt in turn (or just --id).
  std::vector<PromptRow> todo = args.count("id") ? std::vector<PromptRow>{c.pick(args)} : unanswered_prompts(c.store());
  if (todo.empty()) {
    std::cout << "nothing to answer\n";
    if (auto due = c.store().kv_get("daemon", "summary_due"))
      std::cout << "The summary of " << *due << " is ready: devtrack summary --edit\n";
    return kOk;
  }
  Terminal term(load_registry());
  for (const auto& p : todo)
    if (!ask_in_terminal(c, term, p, 0)) break;
  if (auto due = c.store().kv_get("daemon", "summary_due"))
    std::cout << "The summary of " << *due << " is ready: devtrack summary --edit\n";
  return kOk;
}

// Whatever stops an answer from being stored, the user gets the text back.
int run(const po::variables_map& args) {
  try {
    return run_checkin(args);
  } catch (const UsageError&) {
    throw;
  } catch (const Error& e) {
    std::string message = e.what();
    if (!args.count("answer") || message.find("your answer was:") != std::string::npos) throw;
    throw Error("cannot store the answer: " + message + "\nyour answer was: " + args["answer"].as<std::string>());
  }
}

}  // namespace

void answer_prompts(const std::vector<std::pair<int64_t, std::string>>& answers) {
  if (answers.empty()) return;
  Checkin c;
  for (const auto& [id, text] : answers) {
    auto p = get_prompt(c.store(), id);
    if (!p) throw Error("there is no prompt " + std::to_string(id));
    c.answer(*p, text, true, "", nullptr);
  }
}

extern const Command kCheckin = {
    "checkin",
    "answer the pending prompt(s): in the terminal, or with --answer/--skip/--defer",
    "Without options, asks each waiting prompt in the terminal: Enter on an empty\n"
    "line accepts the suggested ticket, `c` clears it, `s` skips, `d` defers, `q`\n"
    "leaves it pending, Tab completes tickets and projects. An answer that names no\n"
    "ticket belongs to the suggested one. The answer is stored before anything else.\n"
    "Inside `git commit` (--inline) the prompt shows how long it waits for a first\n"
    "key (prompt.inline_timeout); typing stops the clock.",
    [](Spec& s) {
      s.options.add_options()("answer", po::value<std::string>()->value_name("TEXT"), "answer with TEXT")(
          "skip", "skip the prompt (it comes back in the end-of-day review)")(
          "defer", po::value<std::string>()->implicit_value("")->value_name("DURATION"),
          "ask again later (default prompt.defer)")(
          "id", po::value<int64_t>()->value_name("N"), "the prompt to answer (default: the oldest waiting)")(
          "list", "list the waiting prompts")(
          "edit", po::value<int64_t>()->value_name("N"), "correct the answer of prompt N (with --answer)")(
          "project", po::value<std::string>()->value_name("ID"), "the project, when the answer leaves it open")(
          "no-suggestion", "do not attach the suggested ticket to an answer that names none")(
          "inline", "ask inside `git commit` (what the hook runs)")(
          "repo", po::value<std::string>()->value_name("PATH"), "with --inline: the repository of the commit")(
          "json", "print JSON (with --list or --answer)");
    },
    run,
};

}  // namespace devtrack::cli

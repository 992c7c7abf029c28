#include "cli/checkin_terminal.h"

#include <fcntl.h>
#include <unistd.h>

#include <condition_variable>
#include <iostream>
#include <mutex>
#include <set>
#include <nlohmann/json.hpp>
#include <thread>

#include "checkin/away.h"
#include "checkin/prompt_view.h"
#include "cli/checkin_session.h"
#include "outbox/outbox.h"
#include "plugin/registry.h"
#include "plugin/string_out.h"
#include "store/outbox_store.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/paths.h"

using nlohmann::json;

namespace devtrack::cli {

namespace {

// The surface that asks in this terminal: the first of prompt.surfaces that
// runs in the client, else the first such surface installed.
const PluginInfo& terminal_surface(const std::vector<PluginInfo>& plugins, const Config& config) {
  auto in_client = [](const PluginInfo* p) { return p && !p->refused && p->kind == "surface" && p->runs_in == "client"; };
  for (const auto& id : config.prompt.surfaces)
    if (const PluginInfo* p = find_plugin(plugins, id); in_client(p)) return *p;
  for (const auto& p : plugins)
    if (in_client(&p)) return p;
  throw Error("no surface plugin that asks in the terminal is installed: use --answer, --skip or --defer");
}

}  // namespace

Terminal::Terminal(const std::vector<PluginInfo>& plugins, const Config& config)
    : plugin_(terminal_surface(plugins, config), "{}", "the terminal surface") {
  surface_ = static_cast<const dt_surface_v1*>(plugin_.table(DEVTRACK_SURFACE_V1));
  self_ = plugin_.self();
  if (!surface_->available(self_)) throw Error("no terminal to ask in: use --answer, --skip or --defer");
}

json Terminal::show(const json& prompt) {
  StringOut out;
  std::string text = prompt.dump();
  if (surface_->show(self_, text.c_str(), &out.out) != DT_OK) throw Error("the terminal prompt failed: " + out.text);
  return json::parse(out.text);
}

namespace {


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
  if (p.state != PromptState::kPending)
    lines.push_back("(" + std::string(to_text(p.state)) + ", asked " + local_moment(p.created_ms, c.config().settings.timezone) + ")");
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

// A time away is asked with one-key choices first (docs/time.md): a break,
// a meeting (the calendar's, when one overlaps), a recent ticket, or
// "something else", which goes on to the usual prompt. Returns true when
// the prompt was settled here.
enum class AwayPick { kSettled, kTypeIt, kLeft };

AwayPick ask_away(Checkin& c, Terminal& term, const PromptRow& p, const TriggerText& away, int timeout_s) {
  std::vector<std::string> answers = {"break", "meeting"};
  json choices = json::array({"a break (nothing logged)", "a meeting"});
  if (auto m = meeting_during(c.store(), away.start_ms, away.end_ms)) {
    answers.push_back(m->title);
    choices.push_back(m->title + " (your calendar)");
  }
  std::set<std::string> shown;
  for (const auto& t : json::parse(known_tickets(c.store(), 5))) {
    std::string name = ticket_text(t);
    if (name.empty() || !shown.insert(name).second || shown.size() > 3) continue;
    answers.push_back(name);
    choices.push_back("work on " + name);
  }
  choices.push_back("something else: type it");
  choices.push_back("skip (it shows in the summary)");
  json pick = term.show({{"question", away.question}, {"choices", choices}, {"timeout_s", timeout_s}});
  if (pick.value("action", "") != "choice") return AwayPick::kLeft;
  size_t i = pick["index"].get<size_t>();
  if (i == answers.size()) return AwayPick::kTypeIt;
  if (i > answers.size()) {
    c.respond(p, PromptState::kSkipped);
    std::cout << "skipped (it shows in the end-of-day summary)\n";
    return AwayPick::kSettled;
  }
  Checkin::print_recorded(p.id, c.answer(p, answers[i], true, "", nullptr, nullptr, nullptr));
  return AwayPick::kSettled;
}

}  // namespace

bool ask_in_terminal(Checkin& c, Terminal& term, const PromptRow& asked, int timeout_s) {
  if (auto away = away_of(c.store(), asked)) {
    AwayPick pick = ask_away(c, term, asked, *away, timeout_s);
    if (pick != AwayPick::kTypeIt) return pick == AwayPick::kSettled;
  }
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
    std::string name = ticket_text(ticket), tracker = c.config().tracker_name(tracker_of(ticket));
    if (repos.empty()) {
      std::cout << name << " names no repository, so nothing goes to " << tracker << " for it (write owner/name"
                << name << ", or set projects[].trackers)\n";
      return "";
    }
    json choices = json::array();
    for (const auto& repo : repos) choices.push_back(repo + name);
    choices.push_back("keep the text only (nothing goes to " + tracker + " for " + name + ")");
    json pick = term.show({{"question", name + " names no repository, so it cannot go to " + tracker + ". Which one?"},
                           {"choices", choices},
                           {"timeout_s", 0}});
    if (pick.value("action", "") != "choice" || pick["index"].get<size_t>() >= repos.size()) return "";
    return repos[pick["index"].get<size_t>()];
  };
  auto choose_tracker = [&](const json& entry) -> int {
    json choices = json::array();
    for (const auto& t : entry["choices"]) choices.push_back(c.config().tracker_name(tracker_of(t)) + ": " + ticket_text(t));
    choices.push_back("keep the text only");
    json pick = term.show({{"question", entry.value("text", "") +
                                            " fits more than one tracker. Which one? (remembered for this repository)"},
                           {"choices", choices},
                           {"timeout_s", 0}});
    if (pick.value("action", "") != "choice" || pick["index"].get<size_t>() >= entry["choices"].size()) return -1;
    return static_cast<int>(pick["index"].get<size_t>());
  };
  if (action == "accept") {
    Checkin::print_recorded(p.id, c.answer(p, "", true, "", choose, choose_repo, choose_tracker));
  } else if (action == "answer") {
    Checkin::print_recorded(
        p.id, c.answer(p, r["text"], !r.value("suggestion_cleared", false), "", choose, choose_repo, choose_tracker));
  } else if (action == "skip") {
    c.respond(p, PromptState::kSkipped);
    std::cout << "skipped (it comes back in the end-of-day review)\n";
  } else if (action == "defer") {
    int64_t due = process_clock().now_ms() + r.value("seconds", int64_t{1800}) * 1000;
    c.respond(p, PromptState::kDeferred, due);
    std::cout << "asking again " << local_when(due, c.config().settings.timezone) << "\n";
  } else {
    return false;  // later / timeout: it stays as it is
  }
  return true;
}

}  // namespace devtrack::cli

// The notification surface: a freedesktop notification with the actions
// Answer, Skip and Snooze, shown by `notify-send --wait` in a child process
// (Boost.Process) and waited for on a thread of its own, so the daemon's
// loop never blocks and no GLib main loop enters it. The reply is published
// as prompt.answer / prompt.skip / prompt.defer. Answer asks for the text
// with zenity or kdialog when installed, else opens the `terminal` option
// running `devtrack checkin --id N`. Without notify-send, a display or a
// session bus the surface is unavailable and the prompt waits for the
// terminal (tty). A prompt that changes while shown (the commit's subject
// read, a commit joined) is replaced in place with --replace-id. A prompt's
// "answers" (a time away: Break, Meeting) become one action each.
#include <devtrack/sdk.hpp>

#include <boost/process.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <set>
#include <thread>

using nlohmann::json;
namespace bp = boost::process;

namespace {

const dt_option kOptions[] = {
    {"terminal", DT_OPT_STRING, "\"x-terminal-emulator -e\"",
     "Command the Answer action opens `devtrack checkin --id N` in, when neither zenity nor kdialog is installed."},
    {"entry", DT_OPT_STRING, "\"auto\"", "How Answer asks: auto (zenity, kdialog, then terminal) | terminal."},
    {nullptr, 0, nullptr, nullptr},
};

std::vector<std::string> words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// The program on PATH, as a shell would find it ("" if none).
std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

bool have_session() {
  const char* bus = std::getenv("DBUS_SESSION_BUS_ADDRESS");
  const char* x = std::getenv("DISPLAY");
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  return bus && *bus && ((x && *x) || (wayland && *wayland));
}

// A child process that one thread waits for and any thread may end.
// Boost.Process's running() and terminate() reap the child themselves:
// called from the daemon's loop while the waiter thread sat in wait(), one
// of the two got ECHILD and threw, and on the waiter's thread that ended
// the daemon. Here only wait() reaps, and only after it has marked the
// child exited under the lock; end() signals only a child not yet marked,
// which is running or a zombie still holding its pid, never a reused pid.
class Watched {
 public:
  explicit Watched(bp::child child) : child_(std::move(child)) {}

  // [the waiter thread only] Blocks until the child exits; its exit code.
  int wait() {
    siginfo_t info{};
    while (::waitid(P_PID, child_.id(), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      exited_ = true;
    }
    std::error_code ec;
    child_.wait(ec);
    return ec ? -1 : child_.exit_code();
  }

  // [any thread] Ends the child if it still runs; it is reaped by wait().
  void end() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!exited_) ::kill(child_.id(), SIGKILL);
  }

 private:
  bp::child child_;
  std::mutex mutex_;
  bool exited_ = false;  // guarded by mutex_
};

class Notify : public devtrack::sdk::Surface {
 public:
  Notify(const dt_host* host, std::string_view config_json) : Surface(host) {
    json c = json::parse(config_json, nullptr, false);
    if (!c.is_object()) c = json::object();
    terminal_ = words(c.value("terminal", "x-terminal-emulator -e"));
    entry_ = c.value("entry", "auto");
    notify_send_ = find_program("notify-send");
    stdbuf_ = find_program("stdbuf");
    dbus_send_ = find_program("dbus-send");
    std::error_code ec;
    self_ = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    // The end-of-day reminder (the daemon publishes it at summary_time).
    this->host().subscribe("summary.due", [this](std::string_view, std::string_view payload) {
      json due = json::parse(payload, nullptr, false);
      if (due.is_object() && available()) remind_summary(due.value("date", ""));
    });
  }

  // Stop and reload destroy the plugin on the daemon's loop: every child a
  // waiter blocks on is ended first (notifications, and the zenity/kdialog
  // entry a user may be looking at), so the joins are quick and the loop
  // never waits for a person. A reply read just before is still published:
  // the daemon runs what is pending on its loop after stopping its plugins.
  ~Notify() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      for (auto& [id, shown] : shown_) shown->child->end();
      for (auto& child : reminders_) child->end();
      for (auto* dialog : dialogs_) dialog->end();
    }
    for (auto& w : waiters_)
      if (w.thread.joinable()) w.thread.join();
  }

  // One-click answers the host offers (a time away: Break, Meeting...):
  // action "answer-N" answers with the text of answer N (at most four).
  static std::vector<std::string> quick_answer_actions(const json& prompt, std::vector<std::string>& args) {
    std::vector<std::string> texts;
    if (!prompt.contains("answers") || !prompt["answers"].is_array()) return texts;
    for (const auto& a : prompt["answers"]) {
      if (!a.is_object() || !a.contains("label") || !a["label"].is_string() || !a.contains("text") ||
          !a["text"].is_string() || texts.size() >= 4)
        continue;
      args.push_back("--action=answer-" + std::to_string(texts.size()) + "=" + a["label"].get<std::string>());
      texts.push_back(a["text"].get<std::string>());
    }
    return texts;
  }

  bool available() override { return !notify_send_.empty() && have_session(); }

  std::string show(std::string_view text) override {
    json prompt = json::parse(text);
    int64_t id = prompt.value("id", int64_t{0});
    std::string body;
    for (const auto& line : prompt.value("context", json::array()))
      if (line.is_string()) body += line.get<std::string>() + "\n";
    if (prompt.contains("suggestion") && prompt["suggestion"].is_string())
      body += "Suggested: " + prompt["suggestion"].get<std::string>();
    std::vector<std::string> args = {"--app-name=DevTrack", "--icon=appointment-soon", "--action=answer=Answer",
                                     "--action=skip=Skip", "--action=snooze=Snooze", "--wait", "--print-id"};
    auto quick = std::make_shared<std::vector<std::string>>(quick_answer_actions(prompt, args));
    std::shared_ptr<Shown> previous;
    if (prompt.value("update", false)) {
      std::unique_lock<std::mutex> lock(mutex_);
      auto it = shown_.find(id);
      if (it == shown_.end()) return "";  // answered or gone meanwhile: nothing to replace
      previous = it->second;
      // Replaced in place: the server keeps its place on the screen, and the
      // old notify-send (ended below) no longer answers for the prompt. Its
      // id comes a few milliseconds after it started; without it a second
      // notification would appear, so the first one stays as it is.
      if (!id_known_.wait_for(lock, std::chrono::milliseconds(500), [&] { return previous->server_id > 0; }))
        return "";
      args.push_back("--replace-id=" + std::to_string(previous->server_id));
    }
    args.push_back(prompt.value("question", "What did you work on?"));
    args.push_back(body);
    auto shown = std::make_shared<Shown>();
    auto out = std::make_shared<bp::ipstream>();
    // notify-send prints the id (--print-id) through stdio, which buffers
    // a pipe until exit: stdbuf makes it a line as soon as it is known.
    std::string program = notify_send_;
    if (!stdbuf_.empty()) {
      program = stdbuf_;
      args.insert(args.begin(), {"-oL", notify_send_});
    }
    shown->child = std::make_shared<Watched>(
        bp::child(program, args, bp::std_out > *out, bp::std_err > bp::null, bp::std_in < bp::null));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (previous) {
        previous->replaced = true;
        previous->child->end();
      }
      shown_[id] = shown;
    }
    int defer_s = prompt.value("defer_s", 1800);
    std::string question = prompt.value("question", "What did you work on?");
    reap();
    auto done = std::make_shared<std::atomic<bool>>(false);
    waiters_.push_back({std::thread([this, id, shown, out, defer_s, question, done, quick] {
                          std::string line, action;
                          if (std::getline(*out, line)) {  // --print-id
                            std::lock_guard<std::mutex> lock(mutex_);
                            shown->server_id = std::atoll(line.c_str());
                          }
                          id_known_.notify_all();
                          std::getline(*out, action);
                          shown->child->wait();
                          if (shown->withdrawn) close_on_screen(shown->server_id);
                          {
                            std::lock_guard<std::mutex> lock(mutex_);
                            auto it = shown_.find(id);
                            if (it != shown_.end() && it->second == shown) shown_.erase(it);
                          }
                          if (shown->replaced) {
                          } else if (action.rfind("answer-", 0) == 0) {
                            size_t i = std::strtoul(action.c_str() + 7, nullptr, 10);
                            if (i < quick->size())
                              host().publish("prompt.answer", json{{"prompt_id", id}, {"text", (*quick)[i]}}.dump());
                          } else {
                            act(id, action, defer_s, question);
                          }
                          *done = true;
                        }),
                        done});
    if (previous) return "";  // DT_OK: the reply still comes from the notification
    throw devtrack::sdk::Error(DT_PENDING, "");  // the reply comes as an event
  }

  void withdraw(std::string_view prompt_id) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = shown_.find(std::atoll(std::string(prompt_id).c_str()));
    if (it == shown_.end()) return;
    it->second->withdrawn = true;  // its waiter takes it off the screen
    it->second->child->end();
  }

  std::string doctor() override {
    json checks = json::array();
    checks.push_back({{"name", "notify-send"},
                      {"ok", !notify_send_.empty()},
                      {"detail", notify_send_.empty() ? "notify-send is not installed" : notify_send_},
                      {"fix", notify_send_.empty() ? json("sudo apt install libnotify-bin") : json(nullptr)}});
    bool session = have_session();
    // No desktop is a state, not a fault (servers, SSH): a warning.
    checks.push_back({{"name", "desktop session"},
                      {"ok", session},
                      {"severity", session ? "ok" : "warning"},
                      {"detail", session ? "the daemon has DISPLAY and the session bus"
                                         : "the daemon has no DISPLAY / WAYLAND_DISPLAY or DBUS_SESSION_BUS_ADDRESS"},
                      {"fix", session ? json(nullptr)
                                      : json("run devtrack session in your desktop session (systemd: systemctl --user "
                                             "import-environment DISPLAY DBUS_SESSION_BUS_ADDRESS)")}});
    if (session) {
      bool owner = false;
      if (!dbus_send_.empty()) {
        bp::ipstream reply;
        bp::child c(dbus_send_, "--session", "--print-reply", "--dest=org.freedesktop.DBus", "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.Notifications", bp::std_out > reply,
                    bp::std_err > bp::null);
        for (std::string line; std::getline(reply, line);) owner = owner || line.find("boolean true") != std::string::npos;
        c.wait();
      }
      checks.push_back({{"name", "notification server"},
                        {"ok", owner},
                        {"severity", owner ? "ok" : "warning"},
                        {"detail", owner ? "a notification server is running" : "no notification server answers"},
                        {"fix", owner ? json(nullptr) : json("start your desktop's notification daemon (e.g. dunst)")}});
    }
    return json{{"checks", checks}}.dump();
  }

 private:
  // "Your summary is ready": Review opens `devtrack summary --edit` in the terminal.
  void remind_summary(const std::string& date) {
    auto out = std::make_shared<bp::ipstream>();
    auto child = std::make_shared<Watched>(bp::child(
        notify_send_, "--app-name=DevTrack", "--icon=x-office-document", "--action=review=Review", "--wait",
        "Your summary of " + date + " is ready", "Review it, then post the updates and e-mail it.",
        bp::std_out > *out, bp::std_err > bp::null, bp::std_in < bp::null));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      reminders_.push_back(child);  // ended with the plugin, so no waiter outlives it
    }
    reap();
    auto done = std::make_shared<std::atomic<bool>>(false);
    waiters_.push_back({std::thread([this, child, out, date, done] {
                          std::string action;
                          std::getline(*out, action);
                          child->wait();
                          {
                            std::lock_guard<std::mutex> lock(mutex_);
                            reminders_.erase(std::remove(reminders_.begin(), reminders_.end(), child), reminders_.end());
                          }
                          if (action == "review") open_terminal({"summary", "--edit", "--date", date});
                          *done = true;
                        }),
                        done});
  }

  // A prompt's notification: its notify-send, and the id the server gave it.
  struct Shown {
    std::shared_ptr<Watched> child;
    int64_t server_id = 0;              // 0 until notify-send printed it (guarded by mutex_)
    std::atomic<bool> replaced{false};  // a newer notification answers for the prompt
    std::atomic<bool> withdrawn{false};  // answered elsewhere: off the screen too
  };

  struct Waiter {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };

  // [a waiter thread] Takes a notification off the screen: ending its
  // notify-send leaves it there, answering for nothing. No reply is waited
  // for, so a bus that hangs cannot hold the thread.
  void close_on_screen(int64_t server_id) {
    if (server_id <= 0 || dbus_send_.empty()) return;
    std::error_code ec;
    bp::child c(dbus_send_, "--session", "--type=method_call", "--dest=org.freedesktop.Notifications",
                "/org/freedesktop/Notifications", "org.freedesktop.Notifications.CloseNotification",
                "uint32:" + std::to_string(server_id), bp::std_in < bp::null, bp::std_out > bp::null,
                bp::std_err > bp::null, ec);
    if (!ec) c.wait(ec);
  }

  // Joins the waiters whose notification is over.
  void reap() {
    for (auto it = waiters_.begin(); it != waiters_.end();) {
      if (*it->done) {
        it->thread.join();
        it = waiters_.erase(it);
      } else {
        ++it;
      }
    }
  }

  // [its own thread] What the user clicked.
  void act(int64_t id, const std::string& action, int defer_s, const std::string& question) {
    if (action == "skip") {
      host().publish("prompt.skip", json{{"prompt_id", id}}.dump());
    } else if (action == "snooze") {
      host().publish("prompt.defer", json{{"prompt_id", id}, {"seconds", defer_s}}.dump());
    } else if (action == "answer") {
      std::string text;
      if (entry_ != "terminal" && ask_in_dialog(question, &text)) {
        if (!text.empty()) host().publish("prompt.answer", json{{"prompt_id", id}, {"text", text}}.dump());
        return;
      }
      open_terminal({"checkin", "--id", std::to_string(id)});
    }
    // Closed or expired without a choice: the prompt stays pending.
  }

  bool ask_in_dialog(const std::string& question, std::string* text) {
    std::string zenity = find_program("zenity"), kdialog = find_program("kdialog");
    if (zenity.empty() && kdialog.empty()) return false;
    bp::ipstream out;
    std::unique_ptr<Watched> c;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return true;  // no new dialog while the plugin stops
      if (!zenity.empty())
        c = std::make_unique<Watched>(bp::child(zenity, "--entry", "--title=DevTrack", "--text=" + question,
                                                bp::std_out > out, bp::std_err > bp::null));
      else
        c = std::make_unique<Watched>(bp::child(kdialog, "--title", "DevTrack", "--inputbox", question,
                                                bp::std_out > out, bp::std_err > bp::null));
      dialogs_.insert(c.get());
    }
    std::getline(out, *text);
    int exit_code = c->wait();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      dialogs_.erase(c.get());
    }
    if (exit_code != 0) text->clear();  // cancelled (or ended by stop): nothing to record
    return true;
  }

  // Runs `devtrack ARGS...` in the `terminal` option's command.
  void open_terminal(const std::vector<std::string>& devtrack_args) {
    if (terminal_.empty() || self_.empty()) return;
    std::vector<std::string> args(terminal_.begin() + 1, terminal_.end());
    args.push_back(self_);
    args.insert(args.end(), devtrack_args.begin(), devtrack_args.end());
    std::string program = terminal_[0].find('/') == std::string::npos ? find_program(terminal_[0]) : terminal_[0];
    if (program.empty()) {
      host().log(DT_LOG_WARN, "the terminal '" + terminal_[0] + "' is not installed (plugins.notify.terminal)");
      return;
    }
    std::error_code ec;
    bp::spawn(program, args, bp::std_in < bp::null, bp::std_out > bp::null, bp::std_err > bp::null, ec);
    if (ec) host().log(DT_LOG_WARN, "cannot open the terminal: " + ec.message());
  }

  std::vector<std::string> terminal_;
  std::string entry_, notify_send_, stdbuf_, dbus_send_, self_;
  std::condition_variable id_known_;  // a notification's server id was read (with mutex_)
  std::mutex mutex_;
  std::map<int64_t, std::shared_ptr<Shown>> shown_;  // prompt id -> its notification
  std::vector<std::shared_ptr<Watched>> reminders_;
  std::set<Watched*> dialogs_;  // entry dialogs being shown (guarded by mutex_)
  bool stopping_ = false;         // guarded by mutex_
  std::vector<Waiter> waiters_;
};

}  // namespace

DEVTRACK_PLUGIN(Notify, "notify", "Desktop notifications", "0.1.0", DT_RUNS_IN_DAEMON,
                "Asks on the desktop (Answer, Skip, Snooze) when no terminal does.", kOptions)

// The editor trigger: heartbeats (`editor.heartbeat`, from `devtrack
// heartbeat`) are grouped into editing sessions per project — the file's
// repository — that end after `idle` without one. After `ask_after` of
// editing with no commit and no answer it publishes `trigger.editor`, and
// then again after another `ask_after`. Heartbeats of one file count at most
// once per `per_file` (editors may send more).
#include <devtrack/sdk.hpp>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

using nlohmann::json;

namespace {

const dt_option kOptions[] = {
    {"ask_after", DT_OPT_DURATION, "\"90m\"", "Ask after this much editing without a commit or an answer."},
    {"idle", DT_OPT_DURATION, "\"15m\"", "An editing session ends after this long without a heartbeat."},
    {"per_file", DT_OPT_DURATION, "\"2m\"", "At most one heartbeat per file counts in this long."},
    {nullptr, 0, nullptr, nullptr},
};

// The repository a file belongs to ("" outside any).
std::string repository_of(const std::string& file) {
  std::error_code ec;
  for (auto dir = std::filesystem::path(file).parent_path(); !dir.empty(); dir = dir.parent_path()) {
    if (std::filesystem::exists(dir / ".git", ec)) return dir.string();
    if (dir == dir.root_path()) break;
  }
  return "";
}

class Editor : public devtrack::sdk::Trigger {
 public:
  Editor(const dt_host* host, std::string_view config_json) : Trigger(host) {
    json c = json::parse(config_json, nullptr, false);
    if (!c.is_object()) c = json::object();
    ask_after_ms_ = c.value("ask_after", 5400) * 1000LL;
    idle_ms_ = c.value("idle", 900) * 1000LL;
    per_file_ms_ = c.value("per_file", 120) * 1000LL;
  }

  void start() override {
    host().subscribe("editor.heartbeat", [this](std::string_view, std::string_view payload) { on_heartbeat(payload); });
    // A commit is a checkpoint for its repository; an answer for all of them.
    host().subscribe("trigger.commit", [this](std::string_view, std::string_view payload) {
      json c = json::parse(payload, nullptr, false);
      if (c.is_object()) restart(c.value("repo", ""), c.value("at_ms", host().now_ms()));
    });
    host().subscribe("activity.recorded", [this](std::string_view, std::string_view) {
      for (auto& [repo, s] : sessions_) s.start_ms = host().now_ms();
    });
  }

  void stop() override { sessions_.clear(); }

  std::string control(std::string_view) override {
    json out = json::object();
    for (const auto& [repo, s] : sessions_)
      out[repo] = {{"start_ms", s.start_ms}, {"last_ms", s.last_ms}, {"files", s.files.size()}};
    return out.dump();
  }

 private:
  struct Session {
    int64_t start_ms = 0;  // editing since (or since the last commit / answer / ask)
    int64_t last_ms = 0;   // the last heartbeat
    std::set<std::string> files;
  };

  void on_heartbeat(std::string_view payload) {
    json b = json::parse(payload, nullptr, false);
    if (!b.is_object() || !b.contains("file") || !b["file"].is_string()) return;
    std::string file = b["file"];
    int64_t at = b.contains("at_ms") && b["at_ms"].is_number_integer() ? b["at_ms"].get<int64_t>() : host().now_ms();
    auto seen = last_beat_.find(file);
    if (seen != last_beat_.end() && at - seen->second < per_file_ms_ && at >= seen->second) return;
    last_beat_[file] = at;
    host().kv_set("last_heartbeat", json{{"file", file}, {"editor", b.value("editor", "")},
                                         {"write", b.value("write", false)}, {"at_ms", at}}.dump());
    std::string repo = repository_of(file);
    Session& s = sessions_[repo];
    if (s.last_ms == 0 || at - s.last_ms > idle_ms_) {  // a new session
      s = Session{at, at, {}};
    }
    s.last_ms = std::max(s.last_ms, at);
    s.files.insert(file);
    if (s.last_ms - s.start_ms < ask_after_ms_) return;
    int64_t minutes = (s.last_ms - s.start_ms) / 60'000;
    json trigger = {{"at_ms", s.last_ms},
                    {"repo", repo},
                    {"minutes", minutes},
                    {"files", json::array()},
                    {"editor", b.value("editor", "")},
                    {"title", "editing session"},
                    {"question", "You have been editing for a while."},
                    {"start_ms", s.start_ms},
                    {"end_ms", s.last_ms},
                    {"suggested", {{"minutes", minutes}}}};
    for (const auto& f : s.files) trigger["files"].push_back(f);
    host().info("editing " + std::to_string(minutes) + " min without a commit: asking");
    host().publish("trigger.editor", trigger.dump());
    s.start_ms = s.last_ms;  // the next ask after another ask_after
    s.files.clear();
  }

  void restart(const std::string& repo, int64_t at) {
    auto it = sessions_.find(repo);
    if (it != sessions_.end()) {
      it->second.start_ms = at;
      it->second.files.clear();
    }
  }

  int64_t ask_after_ms_, idle_ms_, per_file_ms_;
  std::map<std::string, Session> sessions_;
  std::map<std::string, int64_t> last_beat_;
};

}  // namespace

DEVTRACK_PLUGIN(Editor, "editor", "Editor activity", "0.1.0", DT_RUNS_IN_DAEMON,
                "Asks what you did after long editing without a commit (heartbeats from your editor).", kOptions)

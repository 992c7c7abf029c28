// The calendar trigger: reads iCalendar files and subscription URLs (the
// URLs through dt_host.fetch: the daemon has no network of its own, the
// worker fetches) and, when a meeting the user accepted ends — not
// declined, not cancelled, not all-day, inside working hours — asks "What
// came out of 'Sprint planning' (10:00–11:00)?", suggesting the meeting's
// length; the host guesses a project from the title and attendees.
//
// Meetings are asked once: "asked_until_ms" (key/value store) is the end of
// the last pass, so a restart neither asks again nor misses what ended
// while the daemon was down. One timer is armed for the next meeting end,
// one for the next read of the sources. `devtrack pause` holds the asking.
#include <date/tz.h>
#include <devtrack/sdk.hpp>
#include <libical/ical.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "ics.h"
#include "work_hours.h"

using nlohmann::json;
using namespace std::chrono;

namespace {

const dt_option kOptions[] = {
    {"sources", DT_OPT_LIST, "[]",
     "iCalendar files (absolute or ~/ paths) and subscription URLs (https://, webcal://)."},
    {"me", DT_OPT_LIST, "[]",
     "Your e-mail addresses: a meeting counts when one of them accepted it or organises it."},
    {"refresh", DT_OPT_DURATION, "\"15m\"", "How often the sources are read again."},
    {nullptr, 0, nullptr, nullptr},
};

constexpr int64_t kLookaheadMs = 2LL * 86'400'000;  // meetings expanded ahead of now
constexpr size_t kMaxFileBytes = 16u << 20;
constexpr size_t kMaxAskedPerPass = 50;  // a daemon that was down for weeks does not flood

bool is_url(const std::string& s) {
  return s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0 || s.rfind("webcal://", 0) == 0;
}

// webcal:// is https:// by convention (RFC 5545 subscriptions).
std::string fetchable(const std::string& url) {
  return url.rfind("webcal://", 0) == 0 ? "https://" + url.substr(9) : url;
}

// A subscription URL often carries a private token: logs and doctor show
// the scheme and host only.
std::string shown(const std::string& source) {
  if (!is_url(source)) return source;
  size_t host = source.find("://") + 3;
  size_t end = source.find('/', host);
  return source.substr(0, end == std::string::npos ? source.size() : end) + "/…";
}

// The host's error names the URL it tried: shown by its host only here too.
std::string without_url(std::string text, const std::string& source) {
  std::string url = fetchable(source);
  for (size_t at = text.find(url); at != std::string::npos; at = text.find(url, at))
    text.replace(at, url.size(), shown(source));
  return text;
}

struct Source {
  std::string text;   // the last calendar read ("" until one was)
  std::string error;  // why the last read failed, "" if it did not
  int meetings = 0;   // in the window at the last read
  uint64_t fetch = 0; // a fetch in flight
};

class Calendar : public devtrack::sdk::Trigger {
 public:
  Calendar(const dt_host* host, std::string_view config_json) : Trigger(host) {
    icalerror_set_errors_are_fatal(0);  // a malformed file is an error to report, not an abort
    json config = json::parse(config_json, nullptr, false);
    if (!config.is_object()) config = json::object();
    for (const auto& s : config.value("sources", json::array())) add_source(s.get<std::string>());
    for (const auto& m : config.value("me", json::array())) me_.push_back(m.get<std::string>());
    refresh_ms_ = std::clamp<int64_t>(config.value("refresh", int64_t{900}), 60, 86'400) * 1000;
    work_ = devtrack::common::WorkHours::from_settings(config.value("settings", json::object()));  // may throw
  }

  void start() override {
    if (auto v = host().kv_get("asked_until_ms"); v && !v->empty()) {
      asked_until_ms_ = std::strtoll(v->c_str(), nullptr, 10);
    } else {  // the first start: meetings that ended before it are not asked
      asked_until_ms_ = host().now_ms();
      host().kv_set("asked_until_ms", std::to_string(asked_until_ms_));
    }
    read_sources();
  }

  void stop() override {
    cancel(refresh_timer_);
    cancel(due_timer_);
    for (auto& [name, s] : sources_)
      if (s.fetch) host().fetch_cancel(std::exchange(s.fetch, 0));
  }

  std::string control(std::string_view text) override {
    json c = json::parse(text, nullptr, false);
    std::string command = c.is_object() ? c.value("command", "") : "";
    if (command == "pause") {
      paused_until_ms_ = c.contains("until_ms") && c["until_ms"].is_number_integer() ? c["until_ms"].get<int64_t>()
                                                                                     : INT64_MAX;
    } else if (command == "resume") {
      paused_until_ms_ = 0;
    } else if (command == "refresh") {
      read_sources();
    } else if (command != "status") {
      throw devtrack::sdk::Error(DT_UNSUPPORTED, "unknown command '" + command + "'");
    }
    return status().dump();
  }

  std::string doctor() override {
    json checks = json::array();
    if (sources_.empty())
      checks.push_back({{"name", "sources"}, {"ok", false}, {"detail", "no calendar configured"},
                        {"fix", "list .ics files or subscription URLs in plugins.calendar.sources"}});
    for (const auto& [name, s] : sources_) {
      bool ok = s.error.empty() && !s.text.empty();
      std::string detail = !s.error.empty() ? s.error
                           : s.text.empty() ? "not read yet"
                                            : std::to_string(s.meetings) + " meeting(s) in the next two days";
      checks.push_back({{"name", shown(name)}, {"ok", ok}, {"detail", detail},
                        {"fix", ok ? json(nullptr) : json("check the path or URL in plugins.calendar.sources")}});
    }
    if (me_.empty())
      checks.push_back({{"name", "me"}, {"ok", false},
                        {"detail", "no address set: only meetings without attendees are asked about"},
                        {"fix", "set plugins.calendar.me to your calendar addresses"}});
    return json{{"checks", checks}}.dump();
  }

 private:
  void add_source(const std::string& s) {
    if (s.empty()) return;
    std::string name = s;
    if (name.rfind("~/", 0) == 0) {
      const char* home = std::getenv("HOME");
      name = std::string(home ? home : "") + name.substr(1);
    }
    sources_[name];
  }

  // Files now, URLs when their fetch answers; then the next read.
  void read_sources() {
    for (auto& [name, s] : sources_) {
      if (!is_url(name)) {
        read_file(name, s);
      } else if (!s.fetch) {
        std::string request = json{{"method", "GET"}, {"url", fetchable(name)}, {"headers", {{"Accept", "text/calendar"}}}}.dump();
        s.fetch = host().fetch(request, [this, name](dt_status st, std::string_view r) { on_fetched(name, st, r); });
        if (!s.fetch) s.error = host().can_fetch() ? "the URL was refused" : "this host cannot fetch URLs (DevTrack 1.1 or later)";
      }
    }
    recompute();
    cancel(refresh_timer_);
    refresh_timer_ = arm(host().now_ms() + refresh_ms_, &Calendar::on_refresh);
  }

  void read_file(const std::string& path, Source& s) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      s.error = "cannot read " + path;
      return;
    }
    std::string text(kMaxFileBytes + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {
      s.error = path + " is larger than 16 MiB";
      return;
    }
    s.text = std::move(text);
    s.error.clear();
  }

  void on_fetched(const std::string& name, dt_status status, std::string_view response) {
    auto it = sources_.find(name);
    if (it == sources_.end()) return;
    Source& s = it->second;
    s.fetch = 0;
    json r = json::parse(response, nullptr, false);
    int http_status = status == DT_OK && r.is_object() ? r.value("status", 0) : 0;
    if (http_status / 100 == 2 && r.contains("body") && r["body"].is_string()) {
      s.text = r["body"].get<std::string>();
      s.error.clear();
    } else {
      // The last good copy stays in use: a dead network is no reason to
      // forget today's meetings.
      s.error = http_status ? "the server answered HTTP " + std::to_string(http_status)
                            : without_url(std::string(response.substr(0, 300)), name);
      host().warn("cannot read " + shown(name) + ": " + s.error);
    }
    recompute();
  }

  // The meetings ending after the last pass, from every source's last
  // copy, and the timer for the next end.
  void recompute() {
    int64_t now = host().now_ms();
    meetings_.clear();
    std::set<std::pair<std::string, int64_t>> seen;  // one meeting in two calendars is one meeting
    for (auto& [name, s] : sources_) {
      if (s.text.empty()) continue;
      std::string error;
      auto found = calendar::meetings_in(s.text, asked_until_ms_ + 1, now + kLookaheadMs, me_, &error);
      if (!error.empty()) s.error = error;
      s.meetings = static_cast<int>(found.size());
      for (auto& m : found)
        if (seen.insert({m.uid, m.start_ms}).second) meetings_.push_back(std::move(m));
    }
    std::sort(meetings_.begin(), meetings_.end(),
              [](const auto& a, const auto& b) { return a.end_ms < b.end_ms; });
    cancel(due_timer_);
    if (!meetings_.empty()) due_timer_ = arm(std::max(meetings_.front().end_ms, now), &Calendar::on_due);
  }

  static void on_refresh(void* user, uint64_t) {
    auto* self = static_cast<Calendar*>(user);
    self->refresh_timer_ = 0;
    self->read_sources();
  }

  static void on_due(void* user, uint64_t) {
    auto* self = static_cast<Calendar*>(user);
    self->due_timer_ = 0;
    self->ask_ended(self->host().now_ms());
    self->recompute();
  }

  void ask_ended(int64_t now) {
    size_t asked = 0, skipped = 0;
    for (const auto& m : meetings_) {
      if (m.end_ms > now) break;
      if (!worth_asking(m, now)) continue;
      if (asked == kMaxAskedPerPass) {
        ++skipped;
        continue;
      }
      json trigger = {{"at_ms", m.end_ms},
                      {"title", m.title.empty() ? "Meeting" : m.title},
                      {"start_ms", m.start_ms},
                      {"end_ms", m.end_ms},
                      {"suggested", {{"minutes", (m.end_ms - m.start_ms + 30'000) / 60'000}}},
                      {"hint", m.hint},
                      {"uid", m.uid}};
      host().publish("trigger.calendar", trigger.dump(-1, ' ', false, json::error_handler_t::replace));
      ++asked;
    }
    if (skipped) host().warn(std::to_string(skipped) + " more meetings ended while DevTrack was away: not asked");
    asked_until_ms_ = now;
    host().kv_set("asked_until_ms", std::to_string(now));
  }

  bool worth_asking(const calendar::Meeting& m, int64_t now) const {
    if (now < paused_until_ms_) return false;
    if (!m.accepted || m.all_day) return false;
    int64_t length = m.end_ms - m.start_ms;
    return length > 0 && length <= 86'400'000 && in_work_hours(m.start_ms, m.end_ms);
  }

  // Whether [start, end) overlaps the working hours of the day it starts
  // on, in the configured zone (DST moves the hours with the wall clock).
  bool in_work_hours(int64_t start_ms, int64_t end_ms) const {
    auto local = work_.zone->to_local(sys_time<milliseconds>{milliseconds(start_ms)});
    date::local_days day = date::floor<date::days>(local);
    if (!work_.days[date::weekday(day).iso_encoding() - 1]) return false;
    auto from = work_.zone->to_sys(day + minutes(work_.start_minute), date::choose::earliest);
    auto to = work_.zone->to_sys(day + minutes(work_.end_minute), date::choose::earliest);
    return sys_time<milliseconds>{milliseconds(start_ms)} < to && sys_time<milliseconds>{milliseconds(end_ms)} > from;
  }

  json status() {
    json sources = json::array();
    for (const auto& [name, s] : sources_)
      sources.push_back({{"source", shown(name)}, {"meetings", s.meetings},
                         {"error", s.error.empty() ? json(nullptr) : json(s.error)}});
    json next = meetings_.empty() ? json(nullptr) : json(meetings_.front().end_ms);
    return {{"sources", sources}, {"next_end_ms", next}, {"asked_until_ms", asked_until_ms_},
            {"paused", host().now_ms() < paused_until_ms_}};
  }

  uint64_t arm(int64_t due_ms, dt_timer_fn fn) {
    const dt_host* h = host().raw();
    return h->timer_start(h, due_ms, fn, this);
  }

  void cancel(uint64_t& timer) {
    if (!timer) return;
    const dt_host* h = host().raw();
    h->timer_cancel(h, timer);
    timer = 0;
  }

  std::map<std::string, Source> sources_;
  std::vector<std::string> me_;
  std::vector<calendar::Meeting> meetings_;  // ending after asked_until_ms_, by end
  int64_t refresh_ms_ = 900'000;
  int64_t asked_until_ms_ = 0;
  int64_t paused_until_ms_ = 0;
  devtrack::common::WorkHours work_;
  uint64_t refresh_timer_ = 0, due_timer_ = 0;
};

}  // namespace

DEVTRACK_PLUGIN(Calendar, "calendar", "Calendar", "0.1.0", DT_RUNS_IN_DAEMON,
                "Asks what came out of a meeting you accepted when it ends, from iCalendar files and subscriptions.",
                kOptions)

// The tty surface: asks in the terminal (/dev/tty), with line editing,
// history and Tab completion of known tickets and projects (libedit).
//
// show() takes {"id", "question", "context": [lines], "suggestion": text |
// null, "completions": [words], "defer_s", "timeout_s" (0 = none),
// "history_file", "choices": [lines] | null, "refresh_fd": fd | absent} and
// answers, blocking:
//   {"action": "answer", "text", "suggestion_cleared": bool}
//   {"action": "accept"}            Enter on an empty line: the suggestion
//   {"action": "skip"} / {"action": "defer", "seconds"} / {"action": "later"}
//   {"action": "timeout"}           timeout_s passed with nothing typed
//   {"action": "choice", "index"}   for "choices" (a follow-up question)
// The time left is shown, counting down; the first key typed stops the
// clock, so a half-typed answer is never thrown away. `refresh_fd` is a pipe
// of the caller's: each line written to it, {"context": [lines],
// "suggestion": text | null}, replaces what the prompt shows above the input
// line (the commit's subject once the worker has read it), keeping what the
// user has typed.
#include <devtrack/sdk.hpp>
#include <histedit.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdio>
#include <cwchar>
#include <optional>
#include <string>
#include <vector>
#include <nlohmann/json.hpp>

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// Sent to libedit by read_char() when the lines above the input must be
// drawn again; bound to Session::redraw. A person typing ^] only redraws.
constexpr wchar_t kRedrawKey = 0x1d;

// Display columns of UTF-8 text: one per character (wide characters are
// rare in these lines; miscounting one only leaves a stray line behind).
int columns_of(const std::string& text) {
  int n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

// One terminal conversation: the EditLine and what its callbacks need.
struct Session {
  FILE* in = nullptr;
  FILE* out = nullptr;
  EditLine* el = nullptr;
  History* hist = nullptr;
  std::vector<std::string> completions;
  Clock::time_point deadline = Clock::time_point::max();
  bool timed_out = false;
  std::mbstate_t mb{};

  // What ask() shows above the input line, redrawn in place when it changes.
  std::vector<std::string> context;
  std::string suggestion;
  bool suggestion_cleared = false;
  int defer_min = 30;
  bool context_in_block = true;  // false after a first line: only the hints come again
  bool block_shown = false;      // the block is above the input line now
  int block_rows = 0;            // terminal rows it took
  long long shown_seconds = -1;  // the countdown as drawn
  bool redraw_pending = false;
  int refresh_fd = -1;
  std::string refresh_buffer;

  ~Session() {
    if (el) el_end(el);
    if (hist) history_end(hist);
    if (in) std::fclose(in);
    if (out) std::fclose(out);
  }

  static Session* of(EditLine* el) {
    void* data = nullptr;
    el_get(el, EL_CLIENTDATA, &data);
    return static_cast<Session*>(data);
  }

  bool clock_running() const { return deadline != Clock::time_point::max(); }

  long long seconds_left() const {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return ms <= 0 ? 0 : (ms + 999) / 1000;
  }

  // How long poll() may sleep: until the countdown shows the next second.
  int wait_ms() const {
    if (redraw_pending) return 0;
    if (!clock_running()) return -1;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (ms <= 0) return 0;
    long long to_next = ms - (seconds_left() - 1) * 1000;
    return static_cast<int>(std::max<long long>(1, std::min<long long>(to_next, INT_MAX)));
  }

  int terminal_columns() const {
    winsize ws{};
    if (::ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    return 80;
  }

  std::vector<std::string> block() const {
    std::vector<std::string> lines;
    if (context_in_block)
      for (const auto& l : context) lines.push_back("  " + l);
    if (!suggestion.empty()) lines.push_back("  Suggested: " + suggestion + "  (Enter accepts it, c clears it)");
    lines.push_back("  s skip · d later (" + std::to_string(defer_min) + " min) · q leave it pending · Tab completes");
    if (clock_running())
      lines.push_back("  (" + std::to_string(seconds_left()) +
                      " s, then it waits for `devtrack checkin`; typing stops the clock)");
    return lines;
  }

  // Prints the block and remembers how many rows it took, to redraw it.
  void draw_block() {
    int cols = terminal_columns();
    block_rows = 0;
    for (const auto& l : block()) {
      std::fprintf(out, "%s\033[K\n", l.c_str());
      block_rows += std::max(1, (columns_of(l) + cols - 1) / cols);
    }
    shown_seconds = clock_running() ? seconds_left() : -1;
    block_shown = true;
    redraw_pending = false;  // drawn as it is now
    std::fflush(out);
  }

  // Bound to kRedrawKey: goes up over the input line and the block, prints
  // the block again and leaves the cursor on the row where libedit believes
  // it is, so that CC_REDISPLAY draws the prompt and the typed text back.
  static unsigned char redraw(EditLine* el, int) {
    Session* s = of(el);
    if (!s->block_shown) return CC_NORM;
    const LineInfo* li = el_line(el);
    int cols = s->terminal_columns();
    int row = (columns_of("> ") + columns_of(std::string(li->buffer, li->cursor))) / cols;
    std::fputs("\r", s->out);
    if (row + s->block_rows > 0) std::fprintf(s->out, "\033[%dA", row + s->block_rows);
    std::fputs("\033[J", s->out);
    s->draw_block();
    for (int i = 0; i < row; ++i) std::fputs("\n", s->out);
    std::fflush(s->out);
    return CC_REDISPLAY;
  }

  // The first key stops the clock: whoever types is there to finish.
  void typed() {
    if (!clock_running()) return;
    deadline = Clock::time_point::max();
    redraw_pending = block_shown;  // the countdown line goes
  }

  // Takes what the caller wrote to refresh_fd; a changed view is redrawn.
  void read_refresh() {
    char buf[4096];
    ssize_t n = ::read(refresh_fd, buf, sizeof buf);
    if (n <= 0) {
      if (n == 0 || (errno != EINTR && errno != EAGAIN)) refresh_fd = -1;  // the caller closed it
      return;
    }
    refresh_buffer.append(buf, static_cast<size_t>(n));
    for (size_t nl; (nl = refresh_buffer.find('\n')) != std::string::npos;) {
      json update = json::parse(refresh_buffer.substr(0, nl), nullptr, false);
      refresh_buffer.erase(0, nl + 1);
      if (!update.is_object()) continue;
      if (update.contains("context") && update["context"].is_array()) {
        std::vector<std::string> lines;
        for (const auto& l : update["context"])
          if (l.is_string()) lines.push_back(l.get<std::string>());
        if (lines != context) {
          context = std::move(lines);
          context_in_block = true;  // shown again, up to date, above the input
          redraw_pending = block_shown;
        }
      }
      if (update.contains("suggestion") && !suggestion_cleared) {
        std::string now = update["suggestion"].is_string() ? update["suggestion"].get<std::string>() : "";
        if (now != suggestion) {
          suggestion = now;
          redraw_pending = block_shown;
        }
      }
    }
  }

  // Reads one character for libedit. Gives up at the deadline (then
  // el_gets sees end of input); in between, returns kRedrawKey when the
  // countdown or the caller's view changed — only when no typed byte is
  // waiting, so that a key's escape sequence is never split.
  static int read_char(EditLine* el, wchar_t* c) {
    Session* s = of(el);
    int fd = fileno(s->in);
    while (true) {
      pollfd p[2] = {{fd, POLLIN, 0}, {s->refresh_fd, POLLIN, 0}};
      int n = ::poll(p, s->refresh_fd >= 0 ? 2 : 1, s->wait_ms());
      if (n < 0) return errno == EINTR ? -1 : 0;
      if (p[0].revents) {
        char byte;
        ssize_t r = ::read(fd, &byte, 1);
        if (r <= 0) return 0;
        wchar_t wc;
        size_t k = std::mbrtowc(&wc, &byte, 1, &s->mb);
        if (k == static_cast<size_t>(-2)) continue;  // more bytes of this character
        if (k == static_cast<size_t>(-1)) {
          s->mb = std::mbstate_t{};
          wc = static_cast<unsigned char>(byte);
        }
        if (wc != kRedrawKey) s->typed();
        *c = wc;
        return 1;
      }
      if (s->refresh_fd >= 0 && p[1].revents) s->read_refresh();
      if (s->clock_running() && Clock::now() >= s->deadline) {
        s->timed_out = true;
        return 0;
      }
      if (s->block_shown && s->clock_running() && s->seconds_left() != s->shown_seconds) s->redraw_pending = true;
      if (s->redraw_pending) {
        s->redraw_pending = false;
        *c = kRedrawKey;
        return 1;
      }
    }
  }

  static char* prompt(EditLine*) { return const_cast<char*>("> "); }

  // Tab: complete the word before the cursor from the known tickets and
  // projects; list the candidates when there are several.
  static unsigned char complete(EditLine* el, int) {
    Session* s = of(el);
    const LineInfo* li = el_line(el);
    const char* start = li->cursor;
    while (start > li->buffer && start[-1] != ' ' && start[-1] != ',') --start;
    std::string word(start, li->cursor);
    std::vector<std::string> hits;
    for (const auto& c : s->completions)
      if (c.size() >= word.size() && strncasecmp(c.c_str(), word.c_str(), word.size()) == 0) hits.push_back(c);
    if (hits.empty()) return CC_ERROR;
    std::string common = hits[0];
    for (const auto& h : hits) {
      size_t n = 0;
      while (n < common.size() && n < h.size() && std::tolower(common[n]) == std::tolower(h[n])) ++n;
      common.resize(n);
    }
    if (hits.size() == 1) common = hits[0] + " ";
    if (common.size() > word.size()) {
      el_insertstr(el, common.substr(word.size()).c_str());
      return CC_REFRESH;
    }
    std::fputs("\n", s->out);
    for (const auto& h : hits) std::fprintf(s->out, "  %s\n", h.c_str());
    return CC_REDISPLAY;
  }

  bool open(const json& prompt) {
    in = std::fopen("/dev/tty", "r");
    out = std::fopen("/dev/tty", "w");
    if (!in || !out) return false;
    el = el_init("devtrack", in, out, out);
    if (!el) return false;
    el_set(el, EL_CLIENTDATA, this);
    el_set(el, EL_EDITOR, "emacs");
    el_set(el, EL_PROMPT, &Session::prompt);
    el_set(el, EL_GETCFN, &Session::read_char);
    el_set(el, EL_ADDFN, "dt-complete", "complete a ticket or project", &Session::complete);
    el_set(el, EL_BIND, "^I", "dt-complete", nullptr);
    el_set(el, EL_ADDFN, "dt-redraw", "redraw the prompt's context", &Session::redraw);
    el_set(el, EL_BIND, "^]", "dt-redraw", nullptr);
    hist = history_init();
    HistEvent ev;
    ::history(hist, &ev, H_SETSIZE, 500);
    ::history(hist, &ev, H_SETUNIQUE, 1);
    std::string file = prompt.value("history_file", "");
    if (!file.empty()) ::history(hist, &ev, H_LOAD, file.c_str());
    el_set(el, EL_HIST, ::history, hist);
    int timeout = prompt.value("timeout_s", 0);
    if (timeout > 0) deadline = Clock::now() + std::chrono::seconds(timeout);
    if (prompt.contains("refresh_fd") && prompt["refresh_fd"].is_number_integer()) refresh_fd = prompt["refresh_fd"];
    for (const auto& c : prompt.value("completions", json::array()))
      if (c.is_string()) completions.push_back(c.get<std::string>());
    return true;
  }

  // A line without its newline; nullopt at end of input or timeout.
  std::optional<std::string> line() {
    int count = 0;
    const char* l = el_gets(el, &count);
    if (!l || count <= 0) return std::nullopt;
    std::string text(l);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    return text;
  }

  void remember(const std::string& text, const json& prompt) {
    if (text.empty()) return;
    HistEvent ev;
    ::history(hist, &ev, H_ENTER, text.c_str());
    std::string file = prompt.value("history_file", "");
    if (!file.empty()) ::history(hist, &ev, H_SAVE, file.c_str());
  }
};

class Tty : public devtrack::sdk::Surface {
 public:
  Tty(const dt_host* host, std::string_view) : Surface(host) {}

  bool available() override {
    FILE* f = std::fopen("/dev/tty", "r");
    if (!f) return false;
    std::fclose(f);
    return true;
  }

  std::string show(std::string_view text) override {
    json prompt = json::parse(text, nullptr, false);
    if (!prompt.is_object()) throw devtrack::sdk::Error(DT_INVALID, "the prompt is not a JSON object");
    Session s;
    if (!s.open(prompt)) throw devtrack::sdk::Error(DT_UNSUPPORTED, "no terminal to ask in");
    if (prompt.contains("choices") && prompt["choices"].is_array()) return choose(s, prompt);
    return ask(s, prompt);
  }

 private:
  std::string ask(Session& s, const json& prompt) {
    s.defer_min = prompt.value("defer_s", 1800) / 60;
    if (prompt.contains("suggestion") && prompt["suggestion"].is_string()) s.suggestion = prompt["suggestion"];
    for (const auto& l : prompt.value("context", json::array()))
      if (l.is_string()) s.context.push_back(l.get<std::string>());
    std::fprintf(s.out, "\n\033[1m%s\033[0m\n", prompt.value("question", "What did you work on?").c_str());
    while (true) {
      s.draw_block();
      auto line = s.line();
      s.block_shown = false;  // what follows is below the entered line
      s.context_in_block = false;
      if (!line) {
        std::fputs(s.timed_out ? "\n  (no answer: left for `devtrack checkin`)\n" : "\n", s.out);
        return json{{"action", s.timed_out ? "timeout" : "later"}}.dump();
      }
      std::string t = *line;
      if (t.empty() && !s.suggestion.empty()) return json{{"action", "accept"}}.dump();
      if (t.empty()) continue;
      if (t == "s") return json{{"action", "skip"}}.dump();
      if (t == "d") return json{{"action", "defer"}, {"seconds", prompt.value("defer_s", 1800)}}.dump();
      if (t == "q") return json{{"action", "later"}}.dump();
      if (t == "c" && !s.suggestion.empty()) {
        s.suggestion.clear();
        s.suggestion_cleared = true;
        continue;
      }
      s.remember(t, prompt);
      return json{{"action", "answer"}, {"text", t}, {"suggestion_cleared", s.suggestion_cleared}}.dump();
    }
  }

  std::string choose(Session& s, const json& prompt) {
    const json& choices = prompt["choices"];
    std::fprintf(s.out, "%s\n", prompt.value("question", "Which one?").c_str());
    for (size_t i = 0; i < choices.size(); ++i)
      std::fprintf(s.out, "  %zu) %s\n", i + 1, choices[i].is_string() ? choices[i].get<std::string>().c_str() : "");
    std::fflush(s.out);
    while (true) {
      auto line = s.line();
      if (!line) return json{{"action", s.timed_out ? "timeout" : "later"}}.dump();
      try {
        size_t n = std::stoul(*line);
        if (n >= 1 && n <= choices.size()) return json{{"action", "choice"}, {"index", n - 1}}.dump();
      } catch (const std::exception&) {
      }
      std::fprintf(s.out, "  a number from 1 to %zu, please\n", choices.size());
    }
  }
};

}  // namespace

DEVTRACK_PLUGIN(Tty, "tty", "Terminal", "0.1.0", DT_RUNS_IN_CLIENT,
                "Asks in your terminal: inside `git commit` and with `devtrack checkin`.", nullptr)

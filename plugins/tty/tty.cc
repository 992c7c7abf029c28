// The tty surface: asks in the terminal (/dev/tty), with line editing,
// history and Tab completion of known tickets and projects (libedit).
//
// show() takes {"id", "question", "context": [lines], "suggestion": text |
// null, "completions": [words], "defer_s", "timeout_s" (0 = none),
// "history_file", "choices": [lines] | null} and answers, blocking:
//   {"action": "answer", "text", "suggestion_cleared": bool}
//   {"action": "accept"}            Enter on an empty line: the suggestion
//   {"action": "skip"} / {"action": "defer", "seconds"} / {"action": "later"}
//   {"action": "timeout"}           timeout_s passed with no answer
//   {"action": "choice", "index"}   for "choices" (a follow-up question)
#include <devtrack/sdk.hpp>
#include <histedit.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cwchar>
#include <nlohmann/json.hpp>

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

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

  // Reads one character, giving up at the deadline (the inline prompt's
  // timeout): then el_gets sees end of input.
  static int read_char(EditLine* el, wchar_t* c) {
    Session* s = of(el);
    int fd = fileno(s->in);
    while (true) {
      int wait = -1;
      if (s->deadline != Clock::time_point::max()) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(s->deadline - Clock::now()).count();
        if (left <= 0) {
          s->timed_out = true;
          return 0;
        }
        wait = static_cast<int>(std::min<long long>(left, INT_MAX));
      }
      pollfd p{fd, POLLIN, 0};
      int n = ::poll(&p, 1, wait);
      if (n == 0) continue;  // re-checks the deadline
      if (n < 0) return errno == EINTR ? -1 : 0;
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
      *c = wc;
      return 1;
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
    hist = history_init();
    HistEvent ev;
    ::history(hist, &ev, H_SETSIZE, 500);
    ::history(hist, &ev, H_SETUNIQUE, 1);
    std::string file = prompt.value("history_file", "");
    if (!file.empty()) ::history(hist, &ev, H_LOAD, file.c_str());
    el_set(el, EL_HIST, ::history, hist);
    int timeout = prompt.value("timeout_s", 0);
    if (timeout > 0) deadline = Clock::now() + std::chrono::seconds(timeout);
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
    int defer_min = prompt.value("defer_s", 1800) / 60;
    std::string suggestion = prompt.contains("suggestion") && prompt["suggestion"].is_string()
                                 ? prompt["suggestion"].get<std::string>()
                                 : "";
    bool cleared = false;
    std::fprintf(s.out, "\n\033[1m%s\033[0m\n", prompt.value("question", "What did you work on?").c_str());
    for (const auto& l : prompt.value("context", json::array()))
      if (l.is_string()) std::fprintf(s.out, "  %s\n", l.get<std::string>().c_str());
    while (true) {
      if (!suggestion.empty())
        std::fprintf(s.out, "  Suggested: %s  (Enter accepts it, c clears it)\n", suggestion.c_str());
      std::fprintf(s.out, "  s skip · d later (%d min) · q leave it pending · Tab completes\n", defer_min);
      std::fflush(s.out);
      auto line = s.line();
      if (!line) {
        std::fputs(s.timed_out ? "\n  (no answer: left for `devtrack checkin`)\n" : "\n", s.out);
        return json{{"action", s.timed_out ? "timeout" : "later"}}.dump();
      }
      std::string t = *line;
      if (t.empty() && !suggestion.empty()) return json{{"action", "accept"}}.dump();
      if (t.empty()) continue;
      if (t == "s") return json{{"action", "skip"}}.dump();
      if (t == "d") return json{{"action", "defer"}, {"seconds", prompt.value("defer_s", 1800)}}.dump();
      if (t == "q") return json{{"action", "later"}}.dump();
      if (t == "c" && !suggestion.empty()) {
        suggestion.clear();
        cleared = true;
        continue;
      }
      s.remember(t, prompt);
      return json{{"action", "answer"}, {"text", t}, {"suggestion_cleared", cleared}}.dump();
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

// Status: done, in progress or blocked, from explicit words only ("done",
// "merged", "wip", "still", "blocked on"), with their negations ("not done
// yet" is in progress). Past tense alone ("fixed the login bug") and the
// imperative of commit subjects ("Fix ...", "Fixes #12", "Merge pull
// request #3") describe a change, not the state of the work, so they say
// nothing; two different states in one answer ("PRX-1 done, PRX-2 still
// open") say nothing either.
#include <algorithm>
#include <cstring>

#include "parse.h"
#include "scan.h"

namespace rules {

namespace {


bool negates_done(const std::vector<Word>& w, size_t k) {
  auto at = [&](size_t back) { return k >= back ? w[k - back].text : std::string(); };
  return one_of(at(1),
                {"not", "isn't", "never", "partially", "half", "almost", "nearly", "mostly", "wasn't", "aren't"}) ||
         (at(2) == "not" && one_of(at(1), {"quite", "yet", "fully", "really"})) ||
         (k + 1 < w.size() && w[k + 1].text == "yet" && at(1) != "all");
}

// The word right after w[k] in the same phrase (only spaces between), or "".
std::string next_in_phrase(std::string_view text, const std::vector<Word>& w, size_t k) {
  if (k + 1 == w.size()) return "";
  size_t end = w[k].pos + w[k].text.size();
  bool spaces = std::all_of(text.begin() + end, text.begin() + w[k + 1].pos, [](char c) { return c == ' '; });
  return spaces ? w[k + 1].text : "";
}

// "blocked" says the work is blocked when nothing or a word about what it
// waits for follows ("blocked on BILL-7", "blocked, need access"), not in
// "unblock a blocked thread".
bool blocked_at(std::string_view text, const std::vector<Word>& w, size_t k) {
  std::string next = next_in_phrase(text, w, k);
  return next.empty() || one_of(next, {"on", "by", "until", "till", "for", "waiting", "pending", "again", "atm",
                                       "now", "still", "today", "currently", "behind", "due"});
}

// The word before w[k], or "".
std::string before(const std::vector<Word>& w, size_t k) { return k ? w[k - 1].text : ""; }

// "stuck" of the person ("stuck on the build", "I'm stuck"), not of the
// code ("the task gets stuck", "could be stuck").
bool stuck_at(const std::vector<Word>& w, size_t k) {
  return !one_of(before(w, k),
                 {"gets", "get", "got", "getting", "be", "been", "becomes", "become", "can", "may", "might"});
}

// "still" of the work ("still on it", "still debugging", "still wip"),
// not "still registered", "still at 0.8 seconds".
bool still_at(std::string_view text, const std::vector<Word>& w, size_t k) {
  std::string next = next_in_phrase(text, w, k);
  if (next.empty()) return k + 1 == w.size();  // "..., still" ends the answer; "(still) registered" does not
  return one_of(next, {"on", "wip", "in", "open", "todo", "need", "needs", "pending", "left", "ongoing", "going",
                   "working", "at"}) ||
         (next.size() > 4 && next.compare(next.size() - 3, 3, "ing") == 0);
}

// "started on WEB-3", "starting with the API", not "starting at 1k".
bool started_at(std::string_view text, const std::vector<Word>& w, size_t k) {
  std::string next = next_in_phrase(text, w, k);
  return next.empty() || one_of(next, {"on", "with", "to", "work", "working", "the", "a", "an", "my", "our", "this",
                                   "that", "looking", "writing", "implementing"});
}

// "done" of the work, not "should be done for each", "time to complete",
// "metrics for finished vertices", "when finished writing".
bool done_of_work(const std::vector<Word>& w, size_t k) {
  return !one_of(before(w, k), {"be", "been", "being", "to", "for", "when", "once", "until", "after", "if", "of",
                            "unless", "get"});
}

// "on it" as a state ("I'm on it", "still on it"), not "worked on it".
bool on_it_at(const std::vector<Word>& w, size_t k) {
  return has_phrase(w, k, {"on", "it"}) &&
         (k == 0 || one_of(w[k - 1].text, {"i'm", "im", "still", "am", "currently", "now", "is", "are", "we're", "m"}));
}

}  // namespace

std::string find_status(std::string_view text) {
  auto w = words_of(text);
  bool blocked = false, done = false, progress = false;
  for (size_t k = 0; k < w.size(); ++k) {
    const std::string& x = w[k].text;
    if ((x == "blocked" && blocked_at(text, w, k)) || has_phrase(w, k, {"waiting", "on"}) ||
        has_phrase(w, k, {"waiting", "for"}) || has_phrase(w, k, {"on", "hold"}) || (x == "stuck" && stuck_at(w, k)) ||
        has_phrase(w, k, {"can't", "proceed"}) || has_phrase(w, k, {"cannot", "proceed"}))
      blocked = true;
    if (one_of(x, {"done", "finished", "completed", "complete", "merged", "closed", "shipped", "fertig", "erledigt",
               "terminé", "fini", "finie", "terminado", "listo", "hecho"})) {
      // "complete" before a noun is an adjective: "a complete rewrite".
      bool adjective = x == "complete" && !one_of(next_in_phrase(text, w, k), {"", "now", "today", "finally"});
      if (negates_done(w, k)) progress = true;
      else if (done_of_work(w, k) && !adjective) done = true;
    }
    if ((x == "fixed" || x == "resolved") && before(w, k) == "not") progress = true;  // "not fixed yet"
    if (one_of(x, {"wip", "continuing", "continued", "ongoing", "halfway", "progressing"}) ||
        (x == "still" && still_at(text, w, k)) || ((x == "started" || x == "starting") && started_at(text, w, k)) ||
        has_phrase(w, k, {"in", "progress"}) || has_phrase(w, k, {"working", "on"}) ||
        on_it_at(w, k) || has_phrase(w, k, {"more", "work"}))
      progress = true;
  }
  // "still blocked on" and "still waiting" are blocked, not in progress.
  if (blocked) return done ? "" : "blocked";
  if (done && progress) return "";
  if (done) return "done";
  if (progress) return "in_progress";
  return "";
}

}  // namespace rules

// Status: done, in progress or blocked, from the words people use (and
// their negations: "not done yet" is in progress).
#include <algorithm>
#include <cstring>

#include "parse.h"
#include "scan.h"

namespace rules {

std::string find_status(std::string_view text) {
  auto w = words_of(text);
  bool blocked = false, done = false, progress = false, negated_done = false;
  static const char* const done_words[] = {"done",     "finished", "fixed",    "merged",   "completed", "complete",
                                           "shipped",  "resolved", "closed",   "deployed", "released",  "landed",
                                           "finalized", "delivered", "solved", "fixes",   "closes",    "resolves"};
  static const char* const progress_words[] = {"wip", "started", "starting", "continuing", "continued",
                                               "ongoing", "halfway", "partially", "progressing", "drafted"};
  for (size_t k = 0; k < w.size(); ++k) {
    const std::string& x = w[k].text;
    if (x == "blocked" || x == "stuck" || x == "blocker" || x == "blocking" || has_phrase(w, k, {"waiting", "on"}) ||
        has_phrase(w, k, {"waiting", "for"}) || has_phrase(w, k, {"on", "hold"}) || has_phrase(w, k, {"can't", "proceed"}))
      blocked = true;
    for (const char* d : done_words)
      if (x == d) {
        bool neg = (k > 0 && (w[k - 1].text == "not" || w[k - 1].text == "isn't" || w[k - 1].text == "never")) ||
                   (k > 1 && w[k - 1].text == "yet" && w[k - 2].text == "not") ||
                   (k > 1 && w[k - 2].text == "not" && (w[k - 1].text == "quite" || w[k - 1].text == "yet")) ||
                   (k > 0 && (w[k - 1].text == "partially" || w[k - 1].text == "half" ||
                              w[k - 1].text == "almost" || w[k - 1].text == "nearly" || w[k - 1].text == "mostly"));
        if (neg) negated_done = true;
        else done = true;
      }
    for (const char* p : progress_words)
      if (x == p) progress = true;
    if (has_phrase(w, k, {"in", "progress"}) || has_phrase(w, k, {"working", "on"}) ||
        has_phrase(w, k, {"still", "working"}) || has_phrase(w, k, {"more", "work"}) ||
        has_phrase(w, k, {"work", "in", "progress"}) || has_phrase(w, k, {"not", "finished"}))
      progress = true;
  }
  if (blocked) return "blocked";
  if (done && !negated_done) return "done";
  if (progress || negated_done) return "in_progress";
  return "";
}

}  // namespace rules

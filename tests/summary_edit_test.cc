// The summary editor's mapping, called directly: an edited copy of the
// day's Markdown read back by its markers into edits, removals and fills,
// and everything it cannot place listed with its line. The end-to-end
// path (the editor, the outbox, GitHub) is in summary_test.cc.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "summary/summary.h"
#include "summary/summary_edit.h"

using namespace devtrack;
using nlohmann::json;

namespace {

json answer(int64_t response_id, const std::string& text, json commits = json::array()) {
  return {{"response_id", response_id}, {"prompt_id", response_id + 100}, {"time", "10:00"}, {"text", text},
          {"typed", text}, {"accepted", false}, {"minutes", nullptr}, {"status", nullptr},
          {"commits", commits}, {"updates", json::array()}};
}

json ticket(int number, std::vector<json> answers) {
  return {{"ticket", {{"system", "github"}, {"repo", "acme/widgets"}, {"number", number}}},
          {"text", "acme/widgets#" + std::to_string(number)}, {"title", nullptr}, {"minutes", 0},
          {"status", nullptr}, {"answers", answers}};
}

// A day: #12 with answers 1 and 2, #15 with answer 3, prompt 7 unanswered.
std::string day() {
  json commit = {{"commit", "e7e9fce0123"}, {"summary", "Fix the redirect"}};
  json s = {{"date", "2026-06-01"}, {"timezone", "UTC"}, {"total_minutes", 0}, {"answers", 3}, {"commits", 1},
            {"removed", json::array()},
            {"projects", {{{"project", "widgets"}, {"minutes", 0},
                           {"tickets", {ticket(12, {answer(1, "fixed the login", {commit}), answer(2, "wrote tests")}),
                                        ticket(15, {answer(3, "cleaned up the css")})}}}}},
            {"unanswered", {{{"prompt_id", 7}, {"response_id", 9}, {"state", "expired"}, {"time", "15:00"},
                             {"kind", "commit"}, {"repo", "/src/widgets"}, {"branch", "main"},
                             {"suggestion", nullptr}, {"commits", json::array()}}}}};
  return s.dump();
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

std::string drop_line_with(const std::string& text, const std::string& needle) {
  size_t at = text.find(needle);
  REQUIRE(at != std::string::npos);
  size_t start = text.rfind('\n', at) + 1, end = text.find('\n', at);
  return text.substr(0, start) + text.substr(end + 1);
}

}  // namespace

TEST_CASE("summary edit mapping: the file as written maps to nothing") {
  SummaryEdits e = map_summary_edits(day(), summary_markdown(day()));
  CHECK(e.empty());
  CHECK(e.unmapped.empty());
}

TEST_CASE("summary edit mapping: a reworded answer is an edit of that answer under that ticket") {
  std::string md = replace(summary_markdown(day()), "wrote tests", "wrote the login tests");
  SummaryEdits e = map_summary_edits(day(), md);
  REQUIRE(e.edits.size() == 1);
  CHECK(e.edits[0].response_id == 2);
  CHECK(json::parse(e.edits[0].ticket_json)["number"] == 12);
  CHECK(e.edits[0].text == "wrote the login tests");
  CHECK(e.removals.empty());
  // Blanks alone are no edit.
  CHECK(map_summary_edits(day(), replace(summary_markdown(day()), "wrote tests", "wrote   tests")).edits.empty());
}

TEST_CASE("summary edit mapping: a deleted line, an emptied answer and a deleted section are removals") {
  std::string md = summary_markdown(day());
  CHECK(map_summary_edits(day(), drop_line_with(md, "<!-- answer 3 -->")).removals.size() == 1);
  SummaryEdits emptied = map_summary_edits(day(), replace(md, "wrote tests <!--", " <!--"));
  REQUIRE(emptied.removals.size() == 1);
  CHECK(emptied.removals[0].response_id == 2);
  CHECK(emptied.removals[0].text == "wrote tests");  // the original, for the message
  std::string no_12 = md.substr(0, md.find("### acme/widgets#12")) + md.substr(md.find("### acme/widgets#15"));
  CHECK(map_summary_edits(day(), no_12).removals.size() == 2);
}

TEST_CASE("summary edit mapping: sections moved around change nothing, an answer moved to another ticket is refused") {
  std::string md = summary_markdown(day());
  std::string s12 = md.substr(md.find("### acme/widgets#12"), md.find("### acme/widgets#15") - md.find("### acme/widgets#12"));
  std::string swapped = replace(md, s12, "");
  swapped = replace(swapped, "## Unanswered", s12 + "## Unanswered");
  CHECK(map_summary_edits(day(), swapped).empty());

  std::string line = "- wrote tests <!-- answer 2 -->\n";
  std::string moved = replace(replace(md, line, ""), "- cleaned up the css", line + "- cleaned up the css");
  SummaryEdits e = map_summary_edits(day(), moved);
  CHECK(e.empty());  // kept under #12, nothing removed
  REQUIRE(e.unmapped.size() == 1);
  CHECK_THAT(e.unmapped[0], Catch::Contains("answer 2 moved from acme/widgets#12 to acme/widgets#15") &&
                                Catch::Contains("devtrack checkin --edit 102"));
}

TEST_CASE("summary edit mapping: text outside any answer, unknown answers and copies are listed with their line") {
  std::string md = summary_markdown(day());
  md = replace(md, "## Unanswered", "a stray thought\n\n## Unanswered");
  md = replace(md, "- wrote tests <!-- answer 2 -->\n", "- wrote tests <!-- answer 2 -->\n- copied <!-- answer 1 -->\n");
  md += "- out here <!-- answer 2 -->\n";  // after the last section: in no ticket
  md = replace(md, "- cleaned up the css <!-- answer 3 -->", "- cleaned up the css <!-- answer 3 -->\n- new <!-- answer 44 -->");
  SummaryEdits e = map_summary_edits(day(), md);
  std::string all;
  for (const auto& u : e.unmapped) all += u + "\n";
  CHECK_THAT(all, Catch::Contains("a stray thought  (outside any answer"));
  CHECK_THAT(all, Catch::Contains("answer 44 under acme/widgets#15 is not one of this day's"));
  CHECK_THAT(all, Catch::Contains("answer 1 appears twice; the first copy counts"));
  CHECK_THAT(all, Catch::Contains("answer 2 is outside a ticket section"));
  CHECK_THAT(all, Catch::Contains("line "));
}

TEST_CASE("summary edit mapping: an Answer: filled in under an unanswered prompt is a fill, continuation lines joined") {
  std::string md = replace(summary_markdown(day()), "  Answer:\n", "  Answer: reviewed #15\n    with Ana\n");
  SummaryEdits e = map_summary_edits(day(), md);
  REQUIRE(e.fills.size() == 1);
  CHECK(e.fills[0].prompt_id == 7);
  CHECK(e.fills[0].text == "reviewed #15 with Ana");
  // A prompt that is not this day's is refused, not filled.
  std::string other = replace(md, "<!-- prompt 7 -->", "<!-- prompt 8 -->");
  SummaryEdits refused = map_summary_edits(day(), other);
  CHECK(refused.fills.empty());
  REQUIRE(refused.unmapped.size() == 1);
  CHECK_THAT(refused.unmapped[0], Catch::Contains("prompt 8 is not one of this day's unanswered"));
}

TEST_CASE("summary edit mapping: commit lines are information, a continuation line is part of the answer") {
  std::string md = replace(summary_markdown(day()), "  - `e7e9fce` Fix the redirect\n",
                           "  - `e7e9fce` Fix the redirect, reworded\n  and the logout\n");
  SummaryEdits e = map_summary_edits(day(), md);
  REQUIRE(e.edits.size() == 1);
  CHECK(e.edits[0].response_id == 1);
  CHECK(e.edits[0].text == "fixed the login and the logout");
}

TEST_CASE("strip_summary_markers: what is e-mailed has no markers and no empty Answer: lines") {
  std::string out = strip_summary_markers(summary_markdown(day()));
  CHECK(out.find("<!--") == std::string::npos);
  CHECK(out.find("  Answer:\n") == std::string::npos);  // the empty fill-in lines
  CHECK_THAT(out, Catch::Contains("- wrote tests\n"));
}

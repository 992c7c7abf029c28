// Sync's parts on a real store: stamps (sync/hlc.h), sealing (sync/segment.h)
// and the merge of records (sync/records.h) — union, the later stamp wins,
// a broken line is refused, an edit of an answer captured here is handed
// back for its updates.
#include <catch2/catch.hpp>

#include <SQLiteCpp/SQLiteCpp.h>

#include <nlohmann/json.hpp>

#include "store/prompt_store.h"
#include "store/store.h"
#include "sync/hlc.h"
#include "sync/records.h"
#include "sync/segment.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

const SyncDevice kLaptop{"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "laptop"};
const SyncDevice kDesk{"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "desk"};

// An answered prompt in `store`; returns the prompt id.
int64_t answer(Store& store, const std::string& text, int64_t at_ms, const std::string& parsed = "{}") {
  PromptRow p;
  p.kind = "manual";
  p.repo = "/src/widgets";
  p.created_ms = p.updated_ms = at_ms;
  int64_t id = create_prompt(store, p);
  int64_t r = record_response(store, id, PromptState::kAnswered, text, at_ms);
  set_parsed(store, r, parsed);
  return id;
}

std::string texts(Store& store) {
  SQLite::Statement q(store.db(), "SELECT group_concat(raw_text, '|') FROM (SELECT raw_text FROM responses ORDER BY raw_text)");
  q.executeStep();
  return q.getColumn(0).isNull() ? "" : q.getColumn(0).getString();
}

}  // namespace

TEST_CASE("stamps sort as text, and a change sorts after the version it replaced") {
  Hlc a{1'700'000'000'000, 0, kLaptop.id};
  auto parsed = parse_hlc(a.text());
  REQUIRE(parsed);
  CHECK(parsed->wall_ms == a.wall_ms);
  CHECK(parsed->device == kLaptop.id);
  CHECK(next_stamp("", 5, kDesk.id).text() < next_stamp("", 6, kLaptop.id).text());
  // An edit made "earlier" by a clock that is behind still sorts after.
  Hlc edited = next_stamp(a.text(), 1'600'000'000'000, kDesk.id);
  CHECK(edited.text() > a.text());
  CHECK(edited.wall_ms == a.wall_ms);
  CHECK(edited.counter == 1);
  CHECK(next_stamp(a.text(), a.wall_ms + 10, kDesk.id).counter == 0);
  for (const char* bad : {"", "12", "000001700000000000.000000.XYZ", "abc", "000001700000000000-000000-aa"})
    CHECK_FALSE(parse_hlc(bad));
}

TEST_CASE("a segment opens with its key only and not once changed, and its names say nothing") {
  std::string key = new_sync_key(), other = new_sync_key();
  std::string sealed = seal_segment(key, "fixed the login redirect\n");
  CHECK(sealed.find("login") == std::string::npos);
  CHECK(open_segment(key, sealed) == "fixed the login redirect\n");
  CHECK_FALSE(open_segment(other, sealed));
  std::string changed = sealed;
  changed[changed.size() - 1] ^= 1;
  CHECK_FALSE(open_segment(key, changed));
  CHECK_FALSE(open_segment(key, "DTS1short"));
  CHECK(seal_segment(key, "x") != seal_segment(key, "x"));  // a fresh nonce each time
  CHECK(opaque_name(key, "device:1").size() == 32);
  CHECK(opaque_name(key, "device:1") != opaque_name(other, "device:1"));
  auto text = sync_key_text(key);
  CHECK(text.rfind("dtsync1:", 0) == 0);
  CHECK(parse_sync_key_text(text + "\n") == key);
  CHECK_FALSE(parse_sync_key_text("dtsync1:tooshort"));
  CHECK_FALSE(parse_sync_key_text(""));
}

TEST_CASE("records merge by union, the later stamp wins, broken lines are refused") {
  TempHome home;
  Store laptop(home.file("laptop.db")), desk(home.file("desk.db"));
  laptop.kv_set("@sync", "device_id", kLaptop.id);
  desk.kv_set("@sync", "device_id", kDesk.id);
  answer(laptop, "fixed the login redirect, 30m", 1'000'000, R"({"duration_minutes": 30})");
  answer(desk, "reviewed the export, 45m", 2'000'000);
  claim_local_records(laptop, kLaptop);
  claim_local_records(desk, kDesk);
  SyncExport from_laptop = export_changes(laptop, kLaptop, 1 << 20);
  SyncExport from_desk = export_changes(desk, kDesk, 1 << 20);
  REQUIRE(from_laptop.records == 1);
  mark_exported(laptop, from_laptop);
  mark_exported(desk, from_desk);
  CHECK(export_changes(laptop, kLaptop, 1 << 20).records == 0);  // nothing new

  SyncImport in = import_records(desk, from_laptop.lines + "not json\n{\"v\": 99}\n", kDesk, 3'000'000);
  CHECK(in.added == 1);
  CHECK(in.refused == 2);
  CHECK(import_records(desk, from_laptop.lines, kDesk, 3'000'000).kept == 1);  // again: nothing doubles
  import_records(laptop, from_desk.lines, kLaptop, 3'000'000);
  CHECK(texts(laptop) == "fixed the login redirect, 30m|reviewed the export, 45m");
  CHECK(texts(desk) == texts(laptop));
  CHECK(export_changes(desk, kDesk, 1 << 20).records == 0);  // an import is not a change to send back
  CHECK(DeviceLabels(desk)(kLaptop.id) == "laptop");

  // The desk edits the laptop's answer: the laptop takes it, and is told
  // that an answer it captured changed (its updates are its to re-plan).
  SQLite::Statement find(desk.db(), "SELECT r.id FROM responses r JOIN prompts p ON p.id = r.prompt_id WHERE p.device = ?");
  find.bind(1, kLaptop.id);
  REQUIRE(find.executeStep());
  correct_response(desk, find.getColumn(0).getInt64(), "fixed the login redirect and its test, 40m", 4'000'000);
  SyncExport edit = export_changes(desk, kDesk, 1 << 20);
  REQUIRE(edit.records == 1);
  SyncImport back = import_records(laptop, edit.lines, kLaptop, 5'000'000);
  CHECK(back.updated == 1);
  REQUIRE(back.edited_here.size() == 1);
  CHECK(texts(laptop).find("and its test") != std::string::npos);
  // The older version arriving late changes nothing.
  CHECK(import_records(laptop, from_laptop.lines, kLaptop, 5'000'000).kept == 1);
  CHECK(texts(laptop).find("and its test") != std::string::npos);
}

TEST_CASE("a change made while its record was being sealed stays due") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  int64_t prompt = answer(store, "first words", 1'000);
  claim_local_records(store, kLaptop);
  SyncExport sealed = export_changes(store, kLaptop, 1 << 20);
  auto r = latest_response(store, prompt);
  correct_response(store, r->id, "second words", 2'000);  // after the export read it
  mark_exported(store, sealed);
  SyncExport again = export_changes(store, kLaptop, 1 << 20);
  REQUIRE(again.records == 1);
  CHECK(again.lines.find("second words") != std::string::npos);
}

TEST_CASE("what was learned travels too: set, corrected, forgotten, never sent back") {
  TempHome home;
  Store laptop(home.file("laptop.db")), desk(home.file("desk.db"));
  auto entry = [](const char* ticket, int64_t at) {
    return json{{"kind", "not_found"}, {"repo", ""}, {"ticket", {{"tracker", "jira"}, {"key", ticket}}},
                {"instead", nullptr}, {"why", "jira: no such issue"}, {"at_ms", at}}
        .dump();
  };
  laptop.kv_set("@learned", "nf:jira:BILL-99", entry("BILL-99", 1'000));
  SyncExport first = export_changes(laptop, kLaptop, 1 << 20);
  REQUIRE(first.records == 1);
  mark_exported(laptop, first);
  CHECK(import_records(desk, first.lines, kDesk, 2'000).updated == 1);
  CHECK(desk.kv_get("@learned", "nf:jira:BILL-99") == entry("BILL-99", 1'000));
  CHECK(export_changes(desk, kDesk, 1 << 20).records == 0);  // taken in, not a change of the desk's
  CHECK(import_records(desk, first.lines, kDesk, 2'000).kept == 1);
  // Forgotten on the desk (devtrack learned forget): gone on the laptop too.
  desk.kv_erase("@learned", "nf:jira:BILL-99");
  SyncExport forgot = export_changes(desk, kDesk, 1 << 20);
  REQUIRE(forgot.records == 1);
  CHECK(forgot.lines.find("\"value\":null") != std::string::npos);
  mark_exported(desk, forgot);
  CHECK(import_records(laptop, forgot.lines, kLaptop, 3'000).updated == 1);
  CHECK_FALSE(laptop.kv_get("@learned", "nf:jira:BILL-99"));
  // The old version arriving again does not bring it back.
  CHECK(import_records(laptop, first.lines, kLaptop, 4'000).kept == 1);
  CHECK_FALSE(laptop.kv_get("@learned", "nf:jira:BILL-99"));
}

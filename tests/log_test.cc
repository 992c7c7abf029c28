#include <catch2/catch.hpp>

#include <thread>

#include "log/log.h"
#include "store/log_table.h"
#include "store/store.h"
#include "test_support.h"

using namespace devtrack;

TEST_CASE("redaction removes known secrets and credentials in headers and URLs") {
  log::add_secret("ghp_0123456789abcdef");
  CHECK(log::redact("token ghp_0123456789abcdef refused") == "token *** refused");
  CHECK(log::redact("Authorization: Bearer abc.def.ghi") == "Authorization: Bearer ***");
  CHECK(log::redact("GET https://x/api?token=s3cr3t&page=2") == "GET https://x/api?token=***&page=2");
  CHECK(log::redact("nothing to hide") == "nothing to hide");
}

TEST_CASE("content is hidden unless content logging is on") {
  log::set_content_logging(false);
  CHECK(log::content("fixed the login bug") == "<19 chars>");
  log::set_content_logging(true);
  CHECK(log::content("fixed the login bug") == "fixed the login bug");
  log::set_content_logging(false);
}

TEST_CASE("service logging writes redacted lines to the logs table") {
  test::TempHome home;
  std::string db = home.file("devtrack.db");
  log::init_service("daemon", log_table_writer(db), log::kInfo);
  log::add_secret("hunter2-the-password");
  log::info("daemon", "started with hunter2-the-password");
  log::debug("daemon", "below the level");
  log::warn("github", "rate limited");
  log::shutdown();
  Store store(db);
  auto rows = store.read_logs({});
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].source == "daemon");
  CHECK(rows[0].level == "info");
  CHECK(rows[0].message == "started with ***");
  CHECK(rows[1].source == "github");
  CHECK(rows[1].level == "warn");
  log::init_cli(log::kWarn);
}

// Secrets: never in clear on disk, resolved only where used, redacted from logs.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "log/log.h"
#include "secret/secret.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;
namespace fs = std::filesystem;

namespace {
const std::string kToken = "ghp_Secret0123456789abcdefXYZ";

}  // namespace

TEST_CASE("secret set stores it encrypted, 0600, and enc:NAME resolves it") {
  TempHome home;
  auto r = run("secret set github", "", kToken + "\n");
  REQUIRE(r.status == 0);
  CHECK(r.out == "stored; refer to it as enc:github in config.yaml (e.g. plugins.ID.token: enc:github)\n");
  CHECK(r.out.find(kToken) == std::string::npos);
  CHECK((fs::status(home.file("secret.key")).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK((fs::status(home.file("secrets.json")).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  CHECK(everything_under(home.path()).find(kToken) == std::string::npos);

  std::string error;
  auto value = resolve_secret("enc:github", &error);
  REQUIRE(value);
  CHECK(*value == kToken);
  CHECK(log::redact("Authorization for " + kToken) == "Authorization for ***");  // learned for redaction

  CHECK(nlohmann::json::parse(run("secret list --json").out)[0]["reference"] == "enc:github");
  CHECK(run("secret list").out.find(kToken) == std::string::npos);
  CHECK_FALSE(resolve_secret("enc:gitlab", &error));
  CHECK(error == "no encrypted secret named 'gitlab' (devtrack secret set gitlab)");
  CHECK(run("secret remove github").status == 0);
  CHECK_FALSE(resolve_secret("enc:github", &error));
}

TEST_CASE("a wrong or exposed key is a clear error, never a crash or garbage") {
  TempHome home;
  REQUIRE(run("secret set api", "", "value-one").status == 0);
  std::string error;
  ::chmod(home.file("secret.key").c_str(), 0644);
  CHECK_FALSE(resolve_secret("enc:api", &error));
  CHECK(error.find("is readable by others: chmod 600") != std::string::npos);
  ::chmod(home.file("secret.key").c_str(), 0600);
  spit(home.file("secret.key"), std::string(32, 'k'));
  CHECK_FALSE(resolve_secret("enc:api", &error));
  CHECK(error.find("does not decrypt") != std::string::npos);
  spit(home.file("secrets.json"), "{broken");
  CHECK_FALSE(resolve_secret("enc:api", &error));
  CHECK(error.find("is damaged") != std::string::npos);
  CHECK(run("secret set 'bad name'", "", "x").status == 2);
  CHECK(run("secret set empty", "", "").status == 1);
}

TEST_CASE("env: and cmd: references, anything else is refused") {
  TempHome home;
  set_env("DEVTRACK_TEST_TOKEN", "from-the-environment");
  std::string error;
  CHECK(resolve_secret("env:DEVTRACK_TEST_TOKEN", &error) == std::optional<std::string>("from-the-environment"));
  CHECK(resolve_secret("cmd:printf 'from a command\\nsecond line'", &error) == std::optional<std::string>("from a command"));
  CHECK_FALSE(resolve_secret("cmd:false", &error));
  CHECK(error == "the command failed (exit status 1)");
  CHECK_FALSE(resolve_secret("ghp_plaintext", &error));
  CHECK(error.find("not a secret reference") == 0);
  CHECK(redact_reference("ghp_plaintext") == "(a value that is not a reference)");
  ::unsetenv("DEVTRACK_TEST_TOKEN");
}

TEST_CASE("a cmd: secret that never finishes is killed after its timeout, with a clear error") {
  TempHome home;
  std::string error;
  // The sleep runs in the shell's process group: it is killed with it, and
  // nothing is left holding the pipe.
  CHECK_FALSE(resolve_secret("cmd:sleep 1000", &error));
  CHECK(error == "the command did not finish within 10 s and was killed");
}

TEST_CASE("a cmd: secret that prints a megabyte is stopped with a clear error, on stdout or stderr") {
  TempHome home;
  std::string error;
  CHECK_FALSE(resolve_secret("cmd:head -c 1000000 /dev/zero | tr '\\0' x", &error));
  CHECK(error.find("printed more than 64 KiB") != std::string::npos);
  // stderr is read at the same time: 1 MB there does not block the command.
  CHECK(resolve_secret("cmd:head -c 1000000 /dev/zero | tr '\\0' e >&2; echo the-secret", &error) == std::nullopt);
  CHECK(error.find("printed more than 64 KiB") != std::string::npos);
  CHECK(resolve_secret("cmd:head -c 60000 /dev/zero | tr '\\0' e >&2; echo the-secret", &error) ==
        std::optional<std::string>("the-secret"));
}

TEST_CASE("a failing cmd: secret says why, from its stderr") {
  TempHome home;
  std::string error;
  CHECK_FALSE(resolve_secret("cmd:echo 'not logged in' >&2; exit 3", &error));
  CHECK(error == "the command failed (exit status 3): not logged in");
}

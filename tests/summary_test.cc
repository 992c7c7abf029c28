// The end-of-day summary: built from a real store (answers given through a
// real daemon, or seeded through the store API for exact times), edited
// round-trip through a script $EDITOR that makes real edits, and released
// to the outbox (the recording tracker .so stands in for GitHub).
#include <SQLiteCpp/SQLiteCpp.h>
#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "config/config.h"
#include "daemon/end_of_day.h"
#include "ipc/ipc.h"
#include "store/capture_store.h"
#include "store/outbox_store.h"
#include "store/prompt_store.h"
#include "store/store.h"
#include "summary/report.h"
#include "summary/summary.h"
#include "summary/summary_edit.h"
#include "terminal.h"
#include "test_support.h"
#include "util/clock.h"
#include "util/error.h"
#include "util/strings.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

int64_t at(const std::string& utc) { return to_ms(*parse_utc_time(utc)); }

// One prompt and its final response, written the way checkin writes them.
int64_t seed(Store& store, int64_t at_ms, const std::string& state, const std::string& text, const json& parsed) {
  PromptRow p;
  p.kind = "manual";
  p.created_ms = at_ms;
  int64_t prompt = create_prompt(store, p);
  int64_t response = record_response(store, prompt, prompt_state_of(state), text, at_ms);
  if (!parsed.is_null()) set_parsed(store, response, parsed.dump());
  return response;
}

struct Day {
  TempHome home;
  std::string repo;
  explicit Day(const std::string& mode, const std::string& extra_plugins = "") {
    set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("recording"));
    set_env("DEVTRACK_TEST_CLOCK", "2026-06-01T08:00:00Z");
    spit(home.file("config.yaml"),
         "settings: {timezone: UTC, work_hours: \"00:00-24:00\", work_days: [mon, tue, wed, thu, fri, sat, sun]}\n"
         "tracker: {mode: " + mode + ", grace: 1m}\n"
         "projects:\n  - id: widgets\n    repos: [acme/widgets]\n    github: acme/widgets\n"
         "  - id: billing\n    jira: [BILL]\n"
         "plugins:\n  git: {enabled: true}\n  rules: {enabled: true}\n  timer: {enabled: false}\n  github: {enabled: true, mode: ok}\n" +
             extra_plugins);
    repo = make_repo(home.root() + "/widgets", "git@github.com:acme/widgets.git");
    git("-C '" + repo + "' checkout -q -b fix/12-login");
    REQUIRE(run("repos add '" + repo + "'").status == 0);
    REQUIRE(run("start").status == 0);
  }
  ~Day() {
    run("stop");
    ::unsetenv("DEVTRACK_TEST_CLOCK");
    ::unsetenv("DEVTRACK_PLUGIN_PATH");
    ::unsetenv("EDITOR");
    ::unsetenv("VISUAL");
  }
  // A commit, its prompt, and an answer (or "skip").
  void work(const std::string& message, const std::string& answer) {
    size_t before = json::parse(run("log --json").out).size();
    commit(repo, message);
    REQUIRE(wait_until([&] {
      json list = json::parse(run("checkin --list --json").out);
      return json::parse(run("log --json").out).size() == before + 1 && !list.empty() &&
             list.back()["state"] == "pending";
    }));
    if (answer == "skip") REQUIRE(run("checkin --skip").status == 0);
    else REQUIRE(run("checkin --answer '" + answer + "'").status == 0);
  }
  json summary() { return json::parse(run("summary --date 2026-06-01 --format json").out); }
  json updates() { return json::parse(run("updates list --json").out); }
  json update_for(int number) {
    for (const auto& u : updates())
      if (u["ticket"].is_object() && u["ticket"].value("number", 0) == number) return u;
    return nullptr;
  }
};

}  // namespace

TEST_CASE("summary: by project then ticket, with commits, minutes, totals and the unanswered") {
  Day d("immediate");
  d.work("fix the login redirect", "fixed the login redirect, 30m, done");
  d.work("export invoices", "BILL-7 invoices export, 1h");
  d.work("wip", "skip");
  json s = d.summary();
  INFO(s.dump(2));
  CHECK(s["date"] == "2026-06-01");
  CHECK(s["total_minutes"] == 90);
  CHECK(s["answers"] == 2);
  CHECK(s["commits"] == 3);
  REQUIRE(s["projects"].size() == 2);
  CHECK(s["projects"][0]["project"] == "widgets");
  CHECK(s["projects"][0]["minutes"] == 30);
  const json& t = s["projects"][0]["tickets"][0];
  CHECK(t["ticket"] == json{{"tracker", "github"}, {"system", "github"}, {"show", "{repo}#{number}"},
                                {"repo", nullptr}, {"number", 12}});  // as parsed
  CHECK(t["text"] == "acme/widgets#12");  // with the repository its update goes to
  CHECK(t["status"] == "done");
  CHECK(t["answers"][0]["commits"][0]["summary"] == "fix the login redirect");
  CHECK(t["answers"][0]["updates"][0]["state"] == "queued");
  CHECK(s["projects"][1]["tickets"][0]["ticket"]["key"] == "BILL-7");
  REQUIRE(s["unanswered"].size() == 1);
  CHECK(s["unanswered"][0]["state"] == "skipped");
  CHECK(s["unanswered"][0]["commits"][0]["summary"] == "wip");

  std::string md = run("summary --date 2026-06-01").out;
  INFO(md);
  CHECK(md.find("# Summary of 2026-06-01") != std::string::npos);
  CHECK(md.find("**Total:** 1 h 30 min · 2 answer(s) · 3 commit(s)") != std::string::npos);
  CHECK(md.find("## widgets — 30 min") != std::string::npos);
  CHECK(md.find("### acme/widgets#12 · A ticket — 30 min · done") != std::string::npos);
  CHECK(md.find("- fixed the login redirect, 30m, done") != std::string::npos);
  CHECK(md.find("## Unanswered") != std::string::npos);
  CHECK(md.find("<!--") == std::string::npos);  // markers only in --edit copies
  CHECK(run("summary --date 2026-06-01 --format html").out.find("<h3>acme/widgets#12 · A ticket — 30 min · done</h3>") !=
        std::string::npos);
  CHECK(run("summary --date tomorrow").err.find("'tomorrow' is not a day") != std::string::npos);
}

TEST_CASE("summary --edit: reworded, reordered, deleted and filled in, then released (end-of-day mode)") {
  Day d("end-of-day");
  d.work("fix the login redirect", "#12 fixed the login redirect, 30m");
  d.work("css", "#15 cleaned up the css, 20m");
  d.work("docs", "#18 wrote the upgrade notes, 25m");
  d.work("release", "skip");
  for (int n : {12, 15, 18}) REQUIRE(d.update_for(n)["state"] == "held");
  // The editor: a script making the edits a person would.
  std::string editor = d.home.root() + "/edit.sh";
  spit(editor,
       "#!/bin/sh\nset -e\nf=\"$1\"\n"
       // reword #12
       "sed -i 's/fixed the login redirect, 30m/fixed the login redirect for SSO users, 30m/' \"$f\"\n"
       // delete the #15 section (heading to the next heading)
       "awk '/^### acme\\/widgets#15/{skip=1; next} /^#/{skip=0} !skip' \"$f\" > \"$f.new\" && mv \"$f.new\" \"$f\"\n"
       // move the #18 section before #12
       "awk '/^### /{sec=$0 ~ /#18/ ? 2 : 1} /^## /{sec=0} {if (sec==2) b=b $0 \"\\n\"; else if (sec==1) a=a $0 "
       "\"\\n\"; else { if (a!=\"\"||b!=\"\") {printf \"%s%s\", b, a; a=\"\"; b=\"\"} print } } "
       "END {printf \"%s%s\", b, a}' \"$f\" > \"$f.new\" && mv \"$f.new\" \"$f\"\n"
       // fill in the unanswered prompt
       "sed -i 's/^  Answer:$/  Answer: #21 tagged the release, 15m/' \"$f\"\n"
       // a line that belongs to no answer
       "echo 'also pinged the team' >> \"$f\"\n");
  fs::permissions(editor, fs::perms::owner_all);
  set_env("EDITOR", editor);
  auto r = run("summary --date 2026-06-01 --edit --push");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("1 edited, 1 removed, 1 filled in") != std::string::npos);
  CHECK(r.err.find("not mapped") != std::string::npos);
  CHECK(r.err.find("also pinged the team") != std::string::npos);
  std::string kept = d.home.file("summaries/2026-06-01.md");
  REQUIRE(fs::exists(kept));
  // The reorder happened and the section order did not matter.
  std::string edited = slurp(kept);
  CHECK(edited.find("#18") < edited.find("#12"));

  json u12 = d.update_for(12), u15 = d.update_for(15), u18 = d.update_for(18), u21 = d.update_for(21);
  INFO(d.updates().dump(2));
  auto released = [](const json& u) { return u["state"] == "queued" || u["state"] == "sending" || u["state"] == "sent"; };
  CHECK(released(u12));
  CHECK(u15["state"] == "dropped");
  CHECK(released(u18));
  REQUIRE(u21.is_object());
  CHECK(released(u21));
  // The filled-in prompt is answered now, and parsed like any answer; the
  // deleted #15 (20 min) counts no more (30 + 25 + 15).
  json s = d.summary();
  CHECK(s["unanswered"].empty());
  CHECK(s["total_minutes"] == 70);
  CHECK(s["removed"].size() == 1);
  // The trackers get what the user wrote.
  ipc::call("clock.advance", json{{"ms", 1000}}.dump());
  REQUIRE(wait_until([&] { return d.update_for(12)["state"] == "sent" && d.update_for(21)["state"] == "sent"; }));
  Store store(d.home.file("devtrack.db"));
  bool found = false;
  for (int i = 1; i <= 3; ++i)
    if (auto b = store.kv_get("github", "body:" + std::to_string(i)))
      found = found || json::parse(*b)["text"] == "#12 fixed the login redirect for SSO users, 30m";
  CHECK(found);
  CHECK(d.update_for(15)["state"] == "dropped");
}

TEST_CASE("summary --edit in immediate mode amends what was posted already") {
  Day d("immediate");
  d.work("fix the login redirect", "#12 fixed the login redirect, 30m");
  ipc::call("clock.advance", json{{"ms", 61'000}}.dump());
  REQUIRE(wait_until([&] { return d.update_for(12)["state"] == "sent"; }));
  std::string editor = d.home.root() + "/edit.sh";
  spit(editor, "#!/bin/sh\nsed -i 's/fixed the login redirect, 30m/fixed the login redirect (and its test), 30m/' \"$1\"\n");
  fs::permissions(editor, fs::perms::owner_all);
  set_env("VISUAL", editor);
  REQUIRE(run("summary --date 2026-06-01 --edit --push").status == 0);
  Store store(d.home.file("devtrack.db"));
  REQUIRE(wait_until([&] { return store.kv_get("github", "amends") == std::optional<std::string>("1"); }));
  CHECK(json::parse(*store.kv_get("github", "body:1"))["text"] == "#12 fixed the login redirect (and its test), 30m");
  CHECK(std::stoi(store.kv_get("github", "count").value_or("0")) == 1);  // one post, then one amend
}

TEST_CASE("summary --edit without confirmation posts nothing and keeps the copy") {
  Day d("end-of-day");
  d.work("fix the login redirect", "#12 fixed the login redirect, 30m");
  set_env("EDITOR", "true");
  auto r = run("summary --date 2026-06-01 --edit", "", "");
  CHECK(r.status == 0);
  CHECK(r.out.find("nothing posted") != std::string::npos);
  CHECK(d.update_for(12)["state"] == "held");
  set_env("EDITOR", "false");
  r = run("summary --date 2026-06-01 --edit");
  CHECK(r.status != 0);
  CHECK(r.err.find("exited with status 1; your copy is kept in") != std::string::npos);
}

TEST_CASE("local days: a DST change and answers around midnight in Europe/Berlin") {
  // 2026-03-29: clocks go 02:00 -> 03:00 (a 23 h day); 2026-10-25: 03:00 -> 02:00 (25 h).
  LocalDay spring = local_day("2026-03-29", "Europe/Berlin", 0);
  CHECK(spring.start_ms == at("2026-03-28T23:00:00Z"));
  CHECK(spring.end_ms - spring.start_ms == 23 * 3'600'000LL);
  LocalDay fall = local_day("2026-10-25", "Europe/Berlin", 0);
  CHECK(fall.end_ms - fall.start_ms == 25 * 3'600'000LL);
  CHECK(local_day("yesterday", "Europe/Berlin", at("2026-06-01T22:30:00Z")).date == "2026-06-01");  // 00:30 local

  TempHome home;
  spit(home.file("config.yaml"), "settings: {timezone: Europe/Berlin}\nplugins: {rules: {enabled: true}}\n");
  {
    Store store(home.file("devtrack.db"));
    seed(store, at("2026-03-28T22:30:00Z"), "answered", "late on Saturday, 30m",
         {{"tickets", json::array()}, {"duration_minutes", 30}});                      // 23:30 on the 28th
    seed(store, at("2026-03-28T23:30:00Z"), "answered", "just after midnight, 20m",
         {{"tickets", json::array()}, {"duration_minutes", 20}});                      // 00:30 on the 29th
    seed(store, at("2026-03-29T21:30:00Z"), "answered", "last thing on Sunday, 10m",
         {{"tickets", json::array()}, {"duration_minutes", 10}});                      // 23:30 (CEST) on the 29th
    seed(store, at("2026-03-29T22:30:00Z"), "skipped", "", nullptr);                  // 00:30 on the 30th
  }
  json s = json::parse(run("summary --date 2026-03-29 --format json").out);
  INFO(s.dump(2));
  CHECK(s["total_minutes"] == 30);
  CHECK(s["answers"] == 2);
  CHECK(s["unanswered"].empty());
  CHECK(s["projects"][0]["tickets"][0]["answers"][0]["time"] == "00:30");
  CHECK(s["projects"][0]["tickets"][0]["answers"][1]["time"] == "23:30");
  json before = json::parse(run("summary --date 2026-03-28 --format json").out);
  CHECK(before["total_minutes"] == 30);
  json after = json::parse(run("summary --date 2026-03-30 --format json").out);
  CHECK(after["unanswered"].size() == 1);
}

// ---- e-mail, against a real SMTP server (tests/peers/smtp-peer.js) ----

namespace {

// The SMTP peer, started for one test and stopped with it.
struct SmtpPeer {
  std::string dir;
  std::string pid;
  SmtpPeer(const std::string& state, const std::string& args = "") : dir(state) {
    fs::create_directories(dir);
    fs::remove(dir + "/smtp.port");
    std::string script = source_dir() + "/tests/peers/smtp-peer.js";
    run("-c 'setsid node \"" + script + "\" \"" + dir + "\" " + args + " >\"" + dir +
            "/smtp.log\" 2>&1 </dev/null & echo $! > \"" + dir + "/smtp.pid\"'",
        "/bin/sh");
    REQUIRE(wait_until([&] { return fs::exists(dir + "/smtp.port") && !slurp(dir + "/smtp.port").empty(); }));
    pid = slurp(dir + "/smtp.pid");
  }
  ~SmtpPeer() { stop(); }
  void stop() { run("-c 'kill " + pid + " 2>/dev/null'", "/bin/sh"); }
  std::string port() { return slurp(dir + "/smtp.port"); }
  int received() {
    int n = 0;
    if (fs::exists(dir + "/mail"))
      for (const auto& e : fs::directory_iterator(dir + "/mail")) n += e.path().extension() == ".eml";
    return n;
  }
  std::string message(int n) { return slurp(dir + "/mail/" + std::to_string(n) + ".eml"); }
  json envelope(int n) { return json::parse(slurp(dir + "/mail/" + std::to_string(n) + ".json")); }
};

// Quoted-printable, decoded (soft line breaks and =XX).
std::string unqp(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '=') {
      out += s[i];
    } else if (i + 1 < s.size() && (s[i + 1] == '\r' || s[i + 1] == '\n')) {
      i += s[i + 1] == '\r' ? 2 : 1;
    } else if (i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    }
  }
  return out;
}

// The body of the MIME part with this Content-Type, decoded.
std::string part(const std::string& message, const std::string& type) {
  size_t at = message.find("Content-Type: " + type);
  if (at == std::string::npos) return "";
  size_t start = message.find("\r\n\r\n", at) + 4;
  size_t end = message.find("\r\n--", start);
  return unqp(message.substr(start, end - start));
}

std::string make_certificates(const std::string& dir) {
  std::string openssl = "/usr/bin/openssl";
  REQUIRE(run("req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout '" + dir + "/ca.key' -out '" + dir +
                  "/ca.pem'", openssl).status == 0);
  spit(dir + "/ext.cnf", "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  REQUIRE(run("req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout '" + dir + "/srv.key' -out '" + dir +
                  "/srv.csr'", openssl).status == 0);
  REQUIRE(run("x509 -req -in '" + dir + "/srv.csr' -CA '" + dir + "/ca.pem' -CAkey '" + dir +
                  "/ca.key' -CAcreateserial -days 2 -extfile '" + dir + "/ext.cnf' -out '" + dir + "/srv.pem'",
              openssl).status == 0);
  return dir + "/ca.pem";
}

std::string email_config(const std::string& port, const std::string& extra,
                         const std::string& to = "[team@example.com, lead@example.com]") {
  return "  email: {enabled: true, host: 127.0.0.1, port: " + port + ", from: me@example.com, to: " + to + extra +
         "}\n";
}

}  // namespace

TEST_CASE("summary --send: plain SMTP to loopback, one message per recipient, text and HTML") {
  TempHome peer_home;
  SmtpPeer smtp(peer_home.root() + "/smtp");
  Day d("immediate", email_config(smtp.port(), ", tls: none, subject: \"Résumé {date}\""));
  d.work("fix the login redirect", "fixed the login redirect, 30m, done");
  // The ticket's title comes from the tracker through the worker, after the
  // prompt is shown: wait for it, or the e-mail may go out without it.
  REQUIRE(wait_until([&] { return d.summary()["projects"][0]["tickets"][0]["title"] == "A ticket"; }));
  auto r = run("summary --date 2026-06-01 --send");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("summary queued for email (team@example.com), email (lead@example.com)") != std::string::npos);
  REQUIRE(wait_until([&] { return smtp.received() == 2; }));
  std::string m = smtp.message(1);
  INFO(m);
  CHECK(m.find("From: me@example.com") != std::string::npos);
  CHECK(m.find("To: team@example.com, lead@example.com") != std::string::npos);
  CHECK(m.find("Subject: =?UTF-8?B?UsOpc3Vtw6kgMjAyNi0wNi0wMQ==?=") != std::string::npos);  // "Résumé 2026-06-01"
  CHECK(m.find("Date: Mon, 01 Jun 2026 08:00:00 +0000") != std::string::npos);
  CHECK(m.find("Message-ID: <email.2026-06-01.") != std::string::npos);
  CHECK(m.find("multipart/alternative") != std::string::npos);
  std::string text = part(m, "text/plain; charset=utf-8");
  CHECK(text.find("### acme/widgets#12 · A ticket — 30 min · done") != std::string::npos);
  CHECK(text.find("<!--") == std::string::npos);
  std::string html = part(m, "text/html; charset=utf-8");
  CHECK(html.find("<h3>acme/widgets#12 · A ticket — 30 min · done</h3>") != std::string::npos);
  json rcpt = {smtp.envelope(1)["to"][0], smtp.envelope(2)["to"][0]};
  CHECK(std::find(rcpt.begin(), rcpt.end(), "team@example.com") != rcpt.end());
  CHECK(std::find(rcpt.begin(), rcpt.end(), "lead@example.com") != rcpt.end());
  json mail = json::array();
  REQUIRE(wait_until([&] {  // the server has it; the outbox hears back just after
    mail = json::array();
    for (const auto& u : d.updates())
      if (u["kind"] == "delivery" && u["state"] == "sent") mail.push_back(u);
    return mail.size() == 2;
  }));
  CHECK(mail[0]["ticket"].is_null());
  CHECK(mail[0]["target_plugin"] == "email");
  // The same summary again: recognised, not sent twice.
  CHECK(run("summary --date 2026-06-01 --send").out.find("the same summary went to email (team@example.com) already") != std::string::npos);
}

TEST_CASE("summary --send: STARTTLS with a CA the test makes, AUTH with a secret reference") {
  TempHome peer_home;
  std::string ca = make_certificates(peer_home.root());
  SmtpPeer smtp(peer_home.root() + "/smtp", "--tls '" + peer_home.root() + "/srv.pem' '" + peer_home.root() +
                                                "/srv.key' --auth 'me:s3cret-smtp-pass'");
  set_env("SMTP_PASSWORD", "s3cret-smtp-pass");
  {
    // Without the CA: refused, with the reason.
    Day d("immediate", email_config(smtp.port(), ", tls: starttls, username: me, password: env:SMTP_PASSWORD"));
    d.work("fix the login redirect", "fixed, 30m");
    REQUIRE(run("summary --date 2026-06-01 --send").status == 0);
    REQUIRE(wait_until([&] {
      for (const auto& u : d.updates())
        if (u["kind"] == "delivery" && u["state"] == "failed") return true;
      return false;
    }));
    std::string error;
    INFO(d.updates().dump(2));
    for (const auto& u : d.updates())
      if (u["kind"] == "delivery" && u["state"] == "failed") error = u["last_error"];
    CHECK(error.find("not trusted") != std::string::npos);
    CHECK(smtp.received() == 0);
  }
  Day d("immediate", email_config(smtp.port(), ", tls: starttls, username: me, password: env:SMTP_PASSWORD, "
                                               "ca_file: \"" + ca + "\""));
  d.work("fix the login redirect", "fixed, 30m");
  REQUIRE(run("summary --date 2026-06-01 --send").status == 0);
  REQUIRE(wait_until([&] { return smtp.received() == 2; }));
  CHECK(smtp.envelope(1)["secure"] == true);
  CHECK(smtp.envelope(1)["user"] == "me");
  // The password is nowhere in clear.
  run("stop");
  std::string everything = everything_under(d.home.path()) + run("logs -n 1000").out + run("updates list --json").out;
  CHECK(everything.find("s3cret-smtp-pass") == std::string::npos);
  ::unsetenv("SMTP_PASSWORD");
}

TEST_CASE("summary --send: a wrong password blocks the e-mail instead of retrying blindly") {
  TempHome peer_home;
  std::string ca = make_certificates(peer_home.root());
  SmtpPeer smtp(peer_home.root() + "/smtp", "--tls '" + peer_home.root() + "/srv.pem' '" + peer_home.root() +
                                                "/srv.key' --auth 'me:right'");
  set_env("SMTP_PASSWORD", "wrong");
  Day d("immediate", email_config(smtp.port(), ", username: me, password: env:SMTP_PASSWORD, ca_file: \"" + ca + "\""));
  d.work("fix", "fixed, 30m");
  REQUIRE(run("summary --date 2026-06-01 --send").status == 0);
  REQUIRE(wait_until([&] {
    for (const auto& u : d.updates())
      if (u["kind"] == "delivery" && u["state"] == "blocked") return true;
    return false;
  }));
  CHECK(smtp.received() == 0);
  ::unsetenv("SMTP_PASSWORD");
}

TEST_CASE("summary --send: the SMTP server is down, the e-mail waits and goes out once when it is back") {
  TempHome peer_home;
  std::string port;
  {
    SmtpPeer probe(peer_home.root() + "/probe");
    port = probe.port();
  }  // stopped: its port is free and refuses connections
  Day d("immediate", email_config(port, ", tls: none", "[team@example.com]"));
  d.work("fix", "fixed, 30m");
  REQUIRE(run("summary --date 2026-06-01 --send").status == 0);
  auto mail = [&] {
    for (const auto& u : d.updates())
      if (u["kind"] == "delivery") return u;
    return json();
  };
  REQUIRE(wait_until([&] { return mail()["attempts"] == 1 && mail()["state"] == "queued"; }));
  CHECK(mail()["last_error"].get<std::string>().find("Couldn't connect") != std::string::npos);
  SmtpPeer smtp(peer_home.root() + "/smtp", "--port " + port);
  REQUIRE(wait_advancing([&] { return mail()["state"] == "sent"; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(smtp.received() == 1);
}

// ---- reports ----

namespace {

void seed_week(const std::string& db) {
  Store store(db);
  auto parsed = [](const char* project, int minutes, json tickets) {
    return json{{"project", project}, {"duration_minutes", minutes}, {"tickets", tickets}};
  };
  json t12 = json::array({{{"system", "github"}, {"repo", "acme/widgets"}, {"number", 12}}});
  json bill = json::array({{{"system", "jira"}, {"key", "BILL-7"}}});
  seed(store, at("2026-06-01T09:00:00Z"), "answered", "login, 1h", parsed("widgets", 60, t12));
  seed(store, at("2026-06-01T14:00:00Z"), "answered", "invoices, 30m", parsed("billing", 30, bill));
  seed(store, at("2026-06-02T10:00:00Z"), "answered", "login again, 45m", parsed("widgets", 45, t12));
  seed(store, at("2026-06-04T16:00:00Z"), "answered", "invoices, 2h", parsed("billing", 120, bill));
  seed(store, at("2026-06-04T17:00:00Z"), "skipped", "", nullptr);
  seed(store, at("2026-06-09T09:00:00Z"), "answered", "next week, 1h", parsed("widgets", 60, t12));  // outside
}

bool have_chromium() { return fs::exists("/usr/bin/chromium"); }

// Headless Chromium as PEERS.md describes it (root, no network).
Result chromium(const std::string& args, const std::string& profile) {
  return run("--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking "
             "--disable-component-update --user-data-dir='" + profile + "' " + args,
             "/usr/bin/chromium");
}

}  // namespace

TEST_CASE("report: a week by day, project and ticket as a table, CSV and JSON") {
  TempHome home;
  spit(home.file("config.yaml"), "settings: {timezone: UTC}\nplugins: {rules: {enabled: true}}\n");
  seed_week(home.file("devtrack.db"));
  json by_project = json::parse(run("report --from 2026-06-01 --to 2026-06-07 --by project --format json").out);
  CHECK(by_project["total_minutes"] == 255);
  REQUIRE(by_project["rows"].size() == 2);
  CHECK(by_project["rows"][0] == json{{"key", "billing"}, {"minutes", 150}, {"answers", 2}});
  CHECK(by_project["rows"][1] == json{{"key", "widgets"}, {"minutes", 105}, {"answers", 2}});
  CHECK(by_project["days"].size() == 7);
  json by_day = json::parse(run("report --from 2026-06-01 --to 2026-06-07 --format json").out);
  REQUIRE(by_day["rows"].size() == 3);
  CHECK(by_day["rows"][2] == json{{"key", "2026-06-04"}, {"minutes", 120}, {"answers", 1}});
  std::string csv = run("report --from 2026-06-01 --to 2026-06-07 --by ticket --format csv").out;
  CHECK(csv == "ticket,minutes,hours,answers\nBILL-7,150,2.50,2\nacme/widgets#12,105,1.75,2\n");
  std::string table = run("report --from 2026-06-01 --to 2026-06-07 --by project").out;
  CHECK(table.find("total") != std::string::npos);
  CHECK(table.find("4 h 15 min") != std::string::npos);
  auto bad = run("report --from 2026-06-07 --to 2026-06-01");
  CHECK(bad.status == 1);
  CHECK(bad.err.find("the range ends (2026-06-01) before it starts (2026-06-07)") != std::string::npos);
  CHECK(run("report --by week").status == 2);
}

TEST_CASE("report --format html: one self-contained page, rendered by headless Chromium") {
  if (!have_chromium()) FAIL("chromium is not installed (scripts/test.sh installs it)");
  TempHome home;
  spit(home.file("config.yaml"), "settings: {timezone: UTC}\nplugins: {rules: {enabled: true}}\n");
  seed_week(home.file("devtrack.db"));
  std::string page = home.root() + "/report.html";
  spit(page, run("report --from 2026-06-01 --to 2026-06-07 --by project --format html").out);
  std::string html = slurp(page);
  CHECK(html.find("http://") == std::string::npos);  // nothing to fetch: works offline
  CHECK(html.find("https://") == std::string::npos);
  CHECK(html.find("<svg") != std::string::npos);

  Result dom = chromium("--dump-dom 'file://" + page + "'", home.root() + "/profile");
  INFO(dom.err);
  REQUIRE(dom.status == 0);
  CHECK(dom.out.find("Total: <strong>4 h 15 min</strong> (4.25 h)") != std::string::npos);
  CHECK(dom.out.find("<td>billing</td><td class=\"n\">150</td>") != std::string::npos);
  CHECK(dom.out.find("class=\"bar\"") != std::string::npos);
  // A screenshot that is not blank: larger than the one of an empty page.
  spit(home.root() + "/blank.html", "<!DOCTYPE html><html><body></body></html>");
  REQUIRE(chromium("--window-size=800,600 --screenshot='" + home.root() + "/report.png' 'file://" + page + "'",
                   home.root() + "/profile").status == 0);
  REQUIRE(chromium("--window-size=800,600 --screenshot='" + home.root() + "/blank.png' 'file://" + home.root() +
                       "/blank.html'", home.root() + "/profile").status == 0);
  auto report_png = fs::file_size(home.root() + "/report.png"), blank_png = fs::file_size(home.root() + "/blank.png");
  INFO(report_png << " vs " << blank_png);
  CHECK(report_png > 4 * blank_png);
}

TEST_CASE("at summary_time on a work day the summary becomes due, and reviewing it clears that") {
  Day d("end-of-day");
  d.work("fix the login redirect", "#12 fixed the login redirect, 30m");
  CHECK(json::parse(run("status --json").out)["summary_due"].is_null());
  ipc::call("clock.advance", json{{"ms", 8 * 3'600'000LL}}.dump());  // 16:00
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(json::parse(run("status --json").out)["summary_due"].is_null());
  ipc::call("clock.advance", json{{"ms", 3'600'000LL}}.dump());  // 17:00
  REQUIRE(wait_until([] { return json::parse(run("status --json").out)["summary_due"] == "2026-06-01"; }));
  CHECK(slurp(d.home.file("summary-due")) == "2026-06-01\n");
  CHECK(run("status").out.find("summary:   2026-06-01 is ready to review (devtrack summary --edit)") !=
        std::string::npos);
  CHECK(run("checkin").out.find("The summary of 2026-06-01 is ready: devtrack summary --edit") != std::string::npos);
  REQUIRE(run("summary --date 2026-06-01 --push").status == 0);
  CHECK(json::parse(run("status --json").out)["summary_due"].is_null());
  CHECK(!fs::exists(d.home.file("summary-due")));
  CHECK(d.update_for(12)["state"] != "held");
}

TEST_CASE("next_work_day_time_ms skips days off and follows the zone") {
  Config c;
  c.settings.timezone = "Europe/Berlin";
  c.settings.summary_minute = 17 * 60;
  // Friday 2026-06-05 18:00 CEST -> Monday 2026-06-08 17:00 CEST.
  CHECK(next_work_day_time_ms(c, c.settings.summary_minute, at("2026-06-05T16:00:00Z")) == at("2026-06-08T15:00:00Z"));
  CHECK(next_work_day_time_ms(c, c.settings.summary_minute, at("2026-06-08T14:59:00Z")) == at("2026-06-08T15:00:00Z"));
  c.settings.work_days.fill(false);
  CHECK(next_work_day_time_ms(c, c.settings.summary_minute, at("2026-06-08T14:59:00Z")) == 0);
}

TEST_CASE("enabling the email plugin and reloading reaches a worker that is already running") {
  TempHome peer_home;
  SmtpPeer smtp(peer_home.root() + "/smtp");
  Day d("immediate");
  d.work("fix the login redirect", "fixed the login redirect, 30m");
  REQUIRE(json::parse(run("status --json").out)["worker"]["running"] == true);  // it read the commit
  std::string config = slurp(d.home.file("config.yaml")) + email_config(smtp.port(), ", tls: none", "[team@example.com]");
  spit(d.home.file("config.yaml"), config);
  REQUIRE(run("reload").status == 0);
  REQUIRE(run("summary --date 2026-06-01 --send").status == 0);
  INFO(d.updates().dump(2));
  REQUIRE(wait_until([&] { return smtp.received() == 1; }));
}

// ---- issue 14: the summary tells the truth ----

namespace {

// Every comment text the recording tracker (the "github" plugin) holds:
// what GitHub would show, amends included.
std::vector<std::string> posted_texts(const Day& d) {
  Store store(d.home.file("devtrack.db"));
  std::vector<std::string> out;
  int n = std::stoi(store.kv_get("github", "count").value_or("0"));
  for (int i = 1; i <= n; ++i)
    if (auto b = store.kv_get("github", "body:" + std::to_string(i))) out.push_back(json::parse(*b).value("text", ""));
  return out;
}

bool contains(const std::vector<std::string>& texts, const std::string& part) {
  return std::any_of(texts.begin(), texts.end(), [&](const std::string& t) { return t.find(part) != std::string::npos; });
}

// An $EDITOR script running these shell lines on the copy ("$f").
void script_editor(const Day& d, const std::string& lines) {
  std::string editor = d.home.root() + "/edit.sh";
  spit(editor, "#!/bin/sh\nset -e\nf=\"$1\"\n" + lines);
  fs::permissions(editor, fs::perms::owner_all);
  set_env("EDITOR", editor);
}


UpdateRow held_comment(const json& ticket, const std::string& text, int64_t response_id, int64_t now_ms) {
  UpdateRow u;
  u.target_plugin = "github";
  u.target = ticket.dump();
  u.kind = "comment";
  u.state = UpdateState::kHeld;
  u.next_attempt_ms = now_ms;
  u.body = json{{"text", text}}.dump();
  u.idempotency_key = "test-" + std::to_string(response_id);
  return u;
}

// Another connection (the daemon, the worker) writing the moment the
// summary's own connection starts its first UPDATE: a trace hook on that
// connection runs the write exactly there, between the apply's reads and
// its first write.
struct Interloper {
  std::string path;
  bool tried = false, wrote = false;
  static int on_statement(unsigned, void* self, void* statement, void*) {
    auto* me = static_cast<Interloper*>(self);
    const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(statement));
    if (me->tried || !sql || std::string(sql).rfind("UPDATE", 0) != 0) return 0;
    me->tried = true;
    try {
      SQLite::Database other(me->path, SQLite::OPEN_READWRITE);
      other.setBusyTimeout(200);  // the summary holds the lock: give up, as the daemon's next write would wait
      other.exec("INSERT OR REPLACE INTO plugin_kv (plugin, key, value) VALUES ('daemon', 'interloper', '1')");
      me->wrote = true;
    } catch (const std::exception&) {
    }
    return 0;
  }
};

std::string without_line_containing(const std::string& text, const std::string& part) {
  std::string out;
  for (const auto& l : split(text, '\n'))
    if (l.find(part) == std::string::npos) out += l + "\n";
  return out;
}

}  // namespace

TEST_CASE("summary edits are applied while another connection writes instead of failing with database is locked") {
  TempHome home;
  Store store(home.file("devtrack.db"));
  int64_t now = at("2026-06-01T17:00:00Z");
  json t12 = {{"system", "github"}, {"repo", "acme/widgets"}, {"number", 12}};
  json t15 = {{"system", "github"}, {"repo", "acme/widgets"}, {"number", 15}};
  json p12 = {{"tickets", {t12}}, {"duration_minutes", 30}}, p15 = {{"tickets", {t15}}, {"duration_minutes", 20}};
  int64_t r12 = seed(store, at("2026-06-01T09:00:00Z"), "answered", "fixed the login, 30m", p12);
  int64_t r15 = seed(store, at("2026-06-01T10:00:00Z"), "answered", "cleaned up the css, 20m", p15);
  store_parse_and_updates(store, r12, p12.dump(), {held_comment(t12, "fixed the login, 30m", r12, now)}, now);
  store_parse_and_updates(store, r15, p15.dump(), {held_comment(t15, "cleaned up the css, 20m", r15, now)}, now);
  Config config;
  config.settings.timezone = "UTC";
  std::string summary = day_summary_json(store, config, local_day("2026-06-01", "UTC", now), now);
  std::string md = summary_markdown(summary);
  size_t at_text = md.find("fixed the login, 30m");
  REQUIRE(at_text != std::string::npos);
  md.replace(at_text, 20, "fixed the login for SSO users, 30m");
  SummaryEdits edits = map_summary_edits(summary, without_line_containing(md, "cleaned up the css"));
  REQUIRE(edits.edits.size() == 1);
  REQUIRE(edits.removals.size() == 1);

  Interloper interloper{store.path()};
  sqlite3_trace_v2(store.db().getHandle(), SQLITE_TRACE_STMT, &Interloper::on_statement, &interloper);
  PushCounts c;
  std::string error;
  try {
    c = apply_summary_edits(store, summary, edits, true, now);
  } catch (const std::exception& e) {
    error = e.what();  // before the fix: "database is locked", nothing applied
  }
  sqlite3_trace_v2(store.db().getHandle(), 0, nullptr, nullptr);
  REQUIRE(interloper.tried);
  CHECK(error == "");
  CHECK(!interloper.wrote);  // it waited for the summary's transaction (and here gave up)
  CHECK(c.edited == 1);
  CHECK(c.dropped == 1);
  auto u12 = updates_of_response(store, r12), u15 = updates_of_response(store, r15);
  REQUIRE(u12.size() == 1);
  REQUIRE(u15.size() == 1);
  CHECK(json::parse(u12[0].body)["text"] == "fixed the login for SSO users, 30m");
  CHECK(u12[0].state == UpdateState::kQueued);
  CHECK(u15[0].state == UpdateState::kDropped);
}

TEST_CASE("summary --edit confirmed with y in a terminal: the reword and the fill-in reach the tracker and the deletion does not") {
  if (access("/usr/bin/tmux", X_OK) != 0) FAIL("tmux not installed (scripts/test.sh installs it)");
  Day d("immediate");
  d.work("fix the login redirect", "#12 fixed the login redirect, 30m");
  d.work("css", "#15 cleaned up the css, 20m");
  d.work("release", "skip");
  script_editor(d,
                "sed -i 's/fixed the login redirect, 30m/fixed the login redirect for SSO users, 30m/' \"$f\"\n"
                "sed -i '/cleaned up the css/d' \"$f\"\n"
                "sed -i 's/^  Answer:$/  Answer: #21 tagged the release, 15m/' \"$f\"\n");
  Tmux term(d.home.root());
  term.line("devtrack summary --date 2026-06-01 --edit");
  INFO(term.screen());
  REQUIRE(term.shows("1 edited, 1 removed, 1 filled in"));
  REQUIRE(term.shows("Post the updates? [y/N]"));
  term.line("y");
  REQUIRE(term.shows("posting: "));
  CHECK(term.screen().find("locked") == std::string::npos);
  ipc::call("clock.advance", json{{"ms", 120'000}}.dump());
  bool sent = wait_advancing([&] { return d.update_for(12)["state"] == "sent" && d.update_for(21)["state"] == "sent"; });
  INFO(d.updates().dump(1) << run("logs -n 80").out);
  REQUIRE(sent);
  CHECK(d.update_for(15)["state"] == "dropped");
  auto texts = posted_texts(d);
  INFO(json(texts).dump(2));
  CHECK(contains(texts, "fixed the login redirect for SSO users, 30m"));
  CHECK(contains(texts, "#21 tagged the release, 15m"));
  CHECK(!contains(texts, "cleaned up the css"));
  CHECK(!contains(texts, "#12 fixed the login redirect, 30m"));  // the unedited text went nowhere
}

TEST_CASE("an answer accepted with Enter shows what was accepted and survives an unrelated edit and posts its commits") {
  Day d("end-of-day");
  d.work("fix the widget", "");  // Enter on the suggested #12: nothing typed
  std::string commit_id = head(d.repo);
  d.work("css", "#15 cleaned up the css, 20m");
  json s;
  REQUIRE(wait_until([&] {  // the worker has read the commit's subject
    s = d.summary();
    return s.value("/projects/0/tickets/0/answers/0/commits/0/summary"_json_pointer, "") == "fix the widget";
  }));
  INFO(s.dump(2));
  const json& t = s["projects"][0]["tickets"][0];
  REQUIRE(t["answers"][0]["typed"] == "");
  std::string text = t["answers"][0]["text"];
  CHECK(text.rfind("Accepted acme/widgets#12", 0) == 0);
  if (t["title"].is_string()) CHECK(text.find(" · " + t["title"].get<std::string>()) != std::string::npos);
  CHECK(text.find(commit_id.substr(0, 7) + " fix the widget") != std::string::npos);

  script_editor(d, "grep -q 'Accepted acme/widgets#12' \"$f\"\n"  // the bullet is not empty in the copy
                   "! grep -q '^-  <!-- answer' \"$f\"\n"
                   "sed -i 's/cleaned up the css, 20m/cleaned up the css and the icons, 20m/' \"$f\"\n");
  auto r = run("summary --date 2026-06-01 --edit --push");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("1 edited, 0 removed, 0 filled in") != std::string::npos);
  CHECK(d.update_for(12)["state"] != "dropped");
  ipc::call("clock.advance", json{{"ms", 1000}}.dump());
  REQUIRE(wait_advancing([&] { return d.update_for(12)["state"] == "sent" && d.update_for(15)["state"] == "sent"; }));
  auto texts = posted_texts(d);
  INFO(json(texts).dump(2));
  CHECK(std::find(texts.begin(), texts.end(), commit_id.substr(0, 7) + " fix the widget") != texts.end());
  CHECK(contains(texts, "cleaned up the css and the icons, 20m"));
}

TEST_CASE("an answer whose parse named no project counts for its repository's project in the summary and the report") {
  TempHome home;
  spit(home.file("config.yaml"),
       "settings: {timezone: UTC}\n"
       "projects:\n  - id: widgets\n    repos: [acme/widgets]\n  - id: billing\n    repos: [~/src/billing-app]\n"
       "plugins: {rules: {enabled: true}}\n");
  {
    Store store(home.file("devtrack.db"));
    // As the daemon stores an answer it parsed without the commit's remote:
    // no project in the parse, the repository only in the prompt.
    auto answer = [&](const std::string& utc, const std::string& repo, const std::string& slug, int minutes) {
      PromptRow p;
      p.kind = "commit";
      p.repo = repo;
      p.created_ms = at(utc);
      int64_t prompt = create_prompt(store, p);
      TriggerRow t;
      t.kind = "commit";
      t.at_ms = at(utc);
      t.repo = repo;
      t.branch = "main";
      t.commit = std::string(40, 'a' + static_cast<char>(prompt));
      int64_t trigger = record_commit(store, t);
      attach_trigger(store, trigger, prompt);
      if (!slug.empty()) merge_details(store, trigger, json{{"summary", "work"}, {"slug", slug}}.dump());
      int64_t response = record_response(store, prompt, PromptState::kAnswered, "worked, " + std::to_string(minutes) + "m", at(utc));
      set_parsed(store, response, json{{"tickets", json::array()}, {"duration_minutes", minutes}}.dump());
    };
    answer("2026-06-01T09:00:00Z", "/home/me/code/widgets", "acme/widgets", 30);  // by the commit's remote
    answer("2026-06-01T10:00:00Z", home.root() + "/src/billing-app", "", 20);     // by the prompt's path
    answer("2026-06-01T11:00:00Z", "/home/me/scratch", "", 5);                    // by nothing: no project
  }
  json s = json::parse(run("summary --date 2026-06-01 --format json").out);
  INFO(s.dump(2));
  REQUIRE(s["projects"].size() == 3);
  CHECK(s["projects"][0]["project"] == "widgets");
  CHECK(s["projects"][1]["project"] == "billing");
  CHECK(s["projects"][2]["project"].is_null());
  json report = json::parse(run("report --from 2026-06-01 --to 2026-06-01 --by project --format json").out);
  INFO(report.dump(2));
  CHECK(report["rows"] == json::array({{{"key", "(no project)"}, {"minutes", 5}, {"answers", 1}},
                                       {{"key", "billing"}, {"minutes", 20}, {"answers", 1}},
                                       {{"key", "widgets"}, {"minutes", 30}, {"answers", 1}}}));
}

TEST_CASE("an answer deleted in the summary counts no more in the summary's totals or the report") {
  Day d("end-of-day");
  d.work("fix the login redirect", "#12 fixed the login redirect, 30m");
  d.work("css", "#15 cleaned up the css, 20m");
  script_editor(d, "sed -i '/cleaned up the css/d' \"$f\"\n");
  auto r = run("summary --date 2026-06-01 --edit --push");
  INFO(r.out << r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out.find("0 edited, 1 removed, 0 filled in") != std::string::npos);
  json report = json::parse(run("report --from 2026-06-01 --to 2026-06-01 --by ticket --format json").out);
  INFO(report.dump(2));
  CHECK(report["total_minutes"] == 30);
  CHECK(report["rows"] == json::array({{{"key", "#12"}, {"minutes", 30}, {"answers", 1}}}));
  json s = d.summary();
  CHECK(s["total_minutes"] == 30);
  CHECK(s["answers"] == 1);
  CHECK(s["removed"].size() == 1);
  CHECK(run("summary --date 2026-06-01").out.find("1 answer(s) deleted in an earlier edit are not counted") !=
        std::string::npos);
  // Not offered again, so a second edit does not count it again.
  set_env("EDITOR", "true");
  r = run("summary --date 2026-06-01 --edit --push");
  CHECK(r.out.find("0 edited, 0 removed, 0 filled in") != std::string::npos);
}

TEST_CASE("days are written as people say them: today, yesterday, last-week, this-month, -7d") {
  // Wednesday 2 December 2026, 10:00 UTC.
  int64_t now = 1796205600000;
  CHECK(local_day("today", "UTC", now).date == "2026-12-02");
  CHECK(local_day("yesterday", "UTC", now).date == "2026-12-01");
  CHECK(local_day("this-week", "UTC", now).date == "2026-11-30");
  CHECK(local_day("last-week", "UTC", now).date == "2026-11-23");
  CHECK(local_day("this-month", "UTC", now).date == "2026-12-01");
  CHECK(local_day("last-month", "UTC", now).date == "2026-11-01");
  CHECK(local_day("-7d", "UTC", now).date == "2026-11-25");
  CHECK(local_day("2026-02-28", "UTC", now).date == "2026-02-28");
  CHECK_THROWS_AS(local_day("tomorrow", "UTC", now), UsageError);
  TempHome home;
  auto r = run("summary --date tomorrow");
  CHECK(r.status == 2);  // a usage error, like every other one
  CHECK(run("report --from last-week --format json").status == 0);
}

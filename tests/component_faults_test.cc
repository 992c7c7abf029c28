// The daemon's components in process under injected storage faults: the
// fault seam of util/fault.h (a SQLite VFS shim that fails writes as a
// full disk would) in this one process, switched on and off by a file,
// instead of whole-process tricks. Built only with DEVTRACK_FAULT_INJECTION.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "component_rig.h"
#include "daemon/capture.h"
#include "daemon/outbox.h"
#include "store/capture_store.h"

using namespace devtrack;
using namespace devtrack::test;
using nlohmann::json;

namespace {

// The fault seam (util/fault.h), in this process: every write to a
// devtrack.db fails as on a full disk while the switch file exists. The
// rules are read once per process, so they are set before main().
const std::string kDiskFull = "/tmp/devtrack-components-full-" + std::to_string(::getpid());
[[maybe_unused]] const bool kFaultRules = [] {
  ::setenv("DEVTRACK_FAULTS", ("sqlite.write:devtrack.db=full?" + kDiskFull).c_str(), 1);
  return true;
}();

struct DiskFull {
  DiskFull() { std::ofstream(kDiskFull) << "on\n"; }
  ~DiskFull() { off(); }
  void off() { std::filesystem::remove(kDiskFull); }
};

}  // namespace

TEST_CASE("Outbox in process, a full disk: a post's result is kept until it can be recorded, and the post is not made again") {
  Rig r;
  Outbox outbox(r.loop, r.bus, r.store, r.worker);
  int64_t id = r.queue("k1", kStart);
  outbox.start();
  r.settle();
  REQUIRE(r.worker.jobs.size() == 1);
  {
    DiskFull full;
    r.bus.publish("tracker.result", json{{"update_id", id}, {"status", "ok"}, {"remote_id", "c-1"}}.dump());
    r.settle();
    CHECK(r.state_of(id) == UpdateState::kSending);  // not recorded, not lost
    r.advance(30s);                                   // tried again and again, still full
    CHECK(r.state_of(id) == UpdateState::kSending);
    CHECK(r.worker.jobs.size() == 1);  // a sending row is handed out to no one
  }
  r.advance(6s);
  CHECK(r.state_of(id) == UpdateState::kSent);
  CHECK(get_update(r.store, id)->remote_id == "c-1");
  CHECK(r.count("tracker.update.sent") == 1);
  CHECK(r.worker.jobs.size() == 1);
}

TEST_CASE("Capture in process, a full disk: the commit is refused with an error (the hook keeps it) and stored once later") {
  Rig r;
  std::string repo = r.watched_repo("widgets");
  std::string id = commit(repo, "fix the login redirect");
  Capture capture(r.loop, r.bus, r.store, r.worker);
  json report = {{"repo", repo}, {"commit", id}, {"branch", "main"}};
  {
    DiskFull full;
    CHECK_THROWS(capture.on_hook(report.dump(), "hook"));
  }
  r.settle();
  CHECK(r.count("trigger.commit") == 0);
  CHECK(list_triggers(r.store, {}).empty());
  CHECK(capture.on_hook(report.dump(), "spool") > 0);  // the hook's spool brings it again
  CHECK(capture.on_hook(report.dump(), "hook") == 0);
  r.settle();
  CHECK(r.count("trigger.commit") == 1);
  CHECK(list_triggers(r.store, {}).size() == 1);
}

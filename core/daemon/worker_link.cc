#include "daemon/worker_link.h"

#include <devtrack/plugin.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

#include "event/bus.h"
#include "event/loop.h"
#include "ipc/line_channel.h"
#include "log/log.h"
#include "util/process.h"

namespace asio = boost::asio;
using nlohmann::json;

namespace devtrack {

namespace {

// A line from the worker is at most this long; a longer one is read through
// and discarded (the worker bounds what it sends well below this).
constexpr size_t kMaxLine = 1 << 20;
// A job that was in flight when this many workers died is given up.
constexpr int kMaxDeaths = 3;

// The reply a job's owner waits for, saying that the job failed, so that
// the owner settles its row: an outbox row goes `failed` with `reason` as
// its last_error; a commit gets {"error"} details (it is not asked for
// again); a ticket lookup or an assigned list just ends. Null for a topic
// without such a reply.
std::optional<std::pair<std::string, json>> failure_reply(const std::string& topic, const json& job,
                                                          const std::string& reason) {
  if (topic == "git.read")
    return std::pair{"trigger.details", json{{"trigger_id", job.value("trigger_id", int64_t{0})},
                                             {"details", {{"error", reason}}}}};
  if (topic == "tracker.deliver")
    return std::pair{"tracker.result", json{{"update_id", job.value("update_id", int64_t{0})},
                                            {"status", "permanent"},
                                            {"message", reason}}};
  if (topic == "tracker.resolve")
    return std::pair{"tracker.resolved", json{{"prompt_id", job.value("prompt_id", int64_t{0})},
                                              {"plugin", job.value("plugin", "")},
                                              {"ticket", job.value("ticket", json(nullptr))},
                                              {"status", "permanent"}}};
  if (topic == "http.fetch")
    return std::pair{"http.fetched", json{{"fetch_id", job.value("fetch_id", uint64_t{0})},
                                          {"status", static_cast<int>(DT_PERMANENT)},
                                          {"response", reason}}};
  if (topic == "sync.exchange")
    return std::pair{"sync.result", json{{"job_id", job.value("job_id", int64_t{0})},
                                         {"status", "retry"},
                                         {"message", reason}}};
  if (topic == "tracker.assigned")
    return std::pair{"tracker.assigned.done",
                     json{{"trackers", json::object()}, {"seq", job.value("seq", int64_t{0})}, {"error", reason}}};
  return std::nullopt;
}

}  // namespace

struct WorkerLink::Impl {
  Impl(EventLoop& l, Bus& b, std::string program, std::chrono::seconds idle)
      : loop(l), bus(b), program(std::move(program)), idle_timeout(idle),
        io(l.io_context()) {}

  EventLoop& loop;
  Bus& bus;
  std::string program;
  std::chrono::seconds idle_timeout;
  asio::io_context& io;

  struct Job {
    std::string topic, payload;
    bool sent = false;
    uint64_t sent_seq = 0;  // order in which jobs went to the worker
    int deaths = 0;         // workers that died with this job in flight
  };
  std::map<std::pair<std::string, int64_t>, Job> jobs;  // pending until done()
  std::set<std::string> worker_topics;                   // what the worker subscribes to
  bool hello = false;

  std::shared_ptr<LineChannel> pipe;  // to the running worker
  uint64_t next_seq = 0;
  int pid = 0;
  bool restart_scheduled = false;
  bool stopping = false;
  int crashes = 0;
  int consecutive_crashes = 0;
  std::string last_exit;
  std::function<void()> exited;

  void start() {
    if (pid || stopping) return;
    std::string error;
    auto child = spawn_with_socket({program, "--bus-fd", "3", "--idle-timeout", std::to_string(idle_timeout.count())},
                                   &error);
    if (!child) {
      log::error("worker", "{}", error);
      schedule_restart();
      return;
    }
    pid = child->pid;
    hello = false;
    worker_topics.clear();
    // A job that went to a worker which then died may have had its effect:
    // say so, so the receiver checks before doing it again.
    for (auto& [key, job] : jobs) {
      if (job.sent) {
        json p = json::parse(job.payload);
        p["resent"] = true;
        job.payload = p.dump();
      }
      job.sent = false;
    }
    pipe = std::make_shared<LineChannel>(
        asio::local::stream_protocol::socket(io, asio::local::stream_protocol(), child->socket_fd), kMaxLine);
    log::info("worker", "started devtrack-worker (pid {})", pid);
    pipe->start({[this](const std::string& line) { on_line(line); }, [this] { on_oversized(); },
                 [this] { on_closed(); }});
  }

  // The worker takes jobs in the order they were sent and answers them in
  // that order, so a line too long to read can only be the answer to the
  // oldest job still in flight: that job fails, the link lives on.
  void on_oversized() {
    auto oldest = jobs.end();
    for (auto it = jobs.begin(); it != jobs.end(); ++it)
      if (it->second.sent && (oldest == jobs.end() || it->second.sent_seq < oldest->second.sent_seq)) oldest = it;
    log::warn("worker", "discarded a message from the worker larger than {} bytes", kMaxLine);
    if (oldest != jobs.end())
      give_up(oldest, "the worker's reply was larger than " + std::to_string(kMaxLine >> 20) + " MiB");
  }

  // Ends a job for good: its owner hears it failed (failure_reply).
  void give_up(std::map<std::pair<std::string, int64_t>, Job>::iterator it, const std::string& reason) {
    auto [topic, key] = it->first;
    json payload = json::parse(it->second.payload, nullptr, false);
    jobs.erase(it);
    log::error("worker", "gave up the job {} {}: {}", topic, key, reason);
    if (auto reply = failure_reply(topic, payload.is_object() ? payload : json::object(), reason))
      bus.publish(reply->first, reply->second.dump());
  }

  void on_line(const std::string& line) {
    json m = json::parse(line, nullptr, false);
    if (!m.is_object()) {
      log::warn("worker", "ignoring a malformed message from the worker");
      return;
    }
    if (m.contains("hello")) {
      hello = true;
      worker_topics.clear();  // a reloaded worker says again what it takes
      for (const auto& t : m["hello"].value("subscriptions", json::array())) worker_topics.insert(t.get<std::string>());
      flush_jobs();
      return;
    }
    if (m.contains("topic") && m["topic"].is_string() && m.contains("payload") && m["payload"].is_object()) {
      std::string topic = m["topic"].get<std::string>();
      if (!Bus::valid_topic(topic)) return;
      bus.publish(topic, m["payload"].dump(), "worker");
    }
  }

  bool takes(const std::string& topic) const {
    for (const auto& pattern : worker_topics)
      if (Bus::matches(pattern, topic)) return true;
    return false;
  }

  // Sends every job not yet sent to this worker; drops jobs no worker plugin
  // takes (the plugin is disabled).
  void flush_jobs() {
    if (!hello) return;
    for (auto it = jobs.begin(); it != jobs.end();) {
      if (!takes(it->second.topic)) {
        log::debug("worker", "no enabled worker plugin takes {}: dropped", it->second.topic);
        it = jobs.erase(it);
        continue;
      }
      if (!it->second.sent) {
        write(json{{"topic", it->second.topic}, {"payload", json::parse(it->second.payload)}}.dump());
        it->second.sent = true;
        it->second.sent_seq = ++next_seq;
      }
      ++it;
    }
  }

  void write(std::string line) {
    if (pipe) pipe->send(std::move(line));
  }

  void on_closed() {
    pipe.reset();
    hello = false;
    int child = pid;
    pid = 0;
    // The worker closes its end only as it exits: this wait is short.
    ChildExit ended = wait_child(child);
    if (ended.clean) {
      last_exit = "idle";
      log::info("worker", "devtrack-worker (pid {}) exited after its idle time", child);
    } else {
      last_exit = (ended.signalled ? "crashed (" : "failed (") + ended.text + ")";
      ++crashes;
      log::error("worker", "devtrack-worker (pid {}) {}; {} job(s) kept for the restart", child, last_exit,
                 jobs.size());
    }
    // SIGKILL comes from outside (a user, a service manager stopping it, a
    // test's kill storm), not from the job: it does not count against the
    // job in flight, or updates would fail for what happened to the worker.
    if (!ended.killed_hard) count_deaths();
    if (exited) exited();
    if (stopping || jobs.empty()) return;
    // Jobs left behind, after a crash or a clean exit alike: a worker that
    // exits at once on some job must not be restarted in a tight loop.
    ++consecutive_crashes;
    schedule_restart();
  }

  // Each job that was in flight counts a death; at kMaxDeaths it is the
  // likely cause (a poison job) and is given up.
  void count_deaths() {
    for (auto it = jobs.begin(); it != jobs.end();) {
      auto next = std::next(it);
      if (it->second.sent && ++it->second.deaths >= kMaxDeaths)
        give_up(it, "the worker died " + std::to_string(kMaxDeaths) + " times while handling it (see devtrack logs)");
      it = next;
    }
  }

  void schedule_restart() {
    if (restart_scheduled || jobs.empty()) return;
    restart_scheduled = true;
    // 1 s, 2 s, 4 s ... capped at a minute.
    int shift = std::min(consecutive_crashes > 0 ? consecutive_crashes - 1 : 0, 6);
    auto delay = std::chrono::seconds(std::min(1 << shift, 60));
    loop.call_at(loop.clock().now() + delay, [this] {
      restart_scheduled = false;
      start();
    });
  }
};

WorkerLink::WorkerLink(EventLoop& loop, Bus& bus, std::string worker_program, std::chrono::seconds idle_timeout)
    : impl_(std::make_unique<Impl>(loop, bus, std::move(worker_program), idle_timeout)) {}

WorkerLink::~WorkerLink() { stop(); }

void WorkerLink::send(const std::string& topic, const std::string& payload) {
  json p = json::parse(payload);
  int64_t key = p.value("trigger_id", p.value("update_id", p.value("prompt_id", p.value("fetch_id", int64_t{0}))));
  auto& job = impl_->jobs[{topic, key}];
  job.topic = topic;
  job.payload = payload;
  job.sent = false;
  if (!impl_->pid) {
    if (!impl_->restart_scheduled) impl_->start();
    return;
  }
  impl_->flush_jobs();
}

void WorkerLink::reload() {
  if (impl_->pipe && impl_->hello) impl_->write(json{{"reload", true}}.dump());
}

void WorkerLink::done(const std::string& topic, int64_t key) {
  // A result arrived: this worker stays up and works, the backoff starts over.
  if (impl_->jobs.erase({topic, key})) impl_->consecutive_crashes = 0;
}

WorkerLink::Status WorkerLink::status() const {
  return {impl_->pid != 0, impl_->pid, impl_->crashes, impl_->jobs.size(), impl_->last_exit};
}

void WorkerLink::on_exit(std::function<void()> fn) { impl_->exited = std::move(fn); }

void WorkerLink::stop() {
  impl_->stopping = true;
  if (!impl_->pid) return;
  stop_child(impl_->pid);
  impl_->pid = 0;
  if (impl_->pipe) impl_->pipe->close();
  impl_->pipe.reset();
}

}  // namespace devtrack

#include "daemon/worker_link.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <deque>
#include <nlohmann/json.hpp>

#include "event/bus.h"
#include "event/loop.h"
#include "log/log.h"

extern char** environ;

namespace asio = boost::asio;
using nlohmann::json;

namespace devtrack {

struct WorkerLink::Impl {
  Impl(EventLoop& l, Bus& b, std::string program, std::chrono::seconds idle)
      : loop(l), bus(b), program(std::move(program)), idle_timeout(idle),
        io(*static_cast<asio::io_context*>(l.io_context())) {}

  EventLoop& loop;
  Bus& bus;
  std::string program;
  std::chrono::seconds idle_timeout;
  asio::io_context& io;

  struct Job {
    std::string topic, payload;
    bool sent = false;
  };
  std::map<std::pair<std::string, int64_t>, Job> jobs;  // pending until done()
  std::set<std::string> worker_topics;                   // what the worker subscribes to
  bool hello = false;

  std::unique_ptr<asio::posix::stream_descriptor> pipe;
  asio::streambuf in{1 << 20};
  std::deque<std::string> out;
  pid_t pid = 0;
  bool restart_scheduled = false;
  bool stopping = false;
  int crashes = 0;
  int consecutive_crashes = 0;
  std::string last_exit;

  void start() {
    if (pid || stopping) return;
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
      log::error("worker", "cannot create the worker's socketpair: {}", std::strerror(errno));
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 3);  // clears CLOEXEC on fd 3
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    std::string idle = std::to_string(idle_timeout.count());
    const char* argv[] = {program.c_str(), "--bus-fd", "3", "--idle-timeout", idle.c_str(), nullptr};
    int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, const_cast<char**>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      pid = 0;
      log::error("worker", "cannot start {}: {}", program, std::strerror(rc));
      schedule_restart();
      return;
    }
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
    pipe = std::make_unique<asio::posix::stream_descriptor>(io, fds[0]);
    log::info("worker", "started devtrack-worker (pid {})", pid);
    read();
  }

  void read() {
    asio::async_read_until(*pipe, in, '\n', [this](boost::system::error_code ec, size_t n) {
      if (ec) return on_closed();
      std::string line(asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + n - 1);
      in.consume(n);
      on_line(line);
      if (pipe) read();
    });
  }

  void on_line(const std::string& line) {
    json m = json::parse(line, nullptr, false);
    if (!m.is_object()) {
      log::warn("worker", "ignoring a malformed message from the worker");
      return;
    }
    if (m.contains("hello")) {
      hello = true;
      consecutive_crashes = 0;
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
      }
      ++it;
    }
  }

  void write(std::string line) {
    out.push_back(std::move(line) + "\n");
    if (out.size() == 1) write_next();
  }

  void write_next() {
    if (out.empty() || !pipe) return;
    asio::async_write(*pipe, asio::buffer(out.front()), [this](boost::system::error_code ec, size_t) {
      if (ec) return;  // the read side notices the close
      out.pop_front();
      write_next();
    });
  }

  void on_closed() {
    pipe.reset();
    out.clear();
    hello = false;
    pid_t child = pid;
    pid = 0;
    int status = 0;
    // The worker closes its end only as it exits: this wait is short.
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (clean) {
      last_exit = "idle";
      log::info("worker", "devtrack-worker (pid {}) exited after its idle time", child);
      if (!jobs.empty() && !stopping) start();  // work arrived as it left
      return;
    }
    last_exit = WIFSIGNALED(status) ? "crashed (signal " + std::to_string(WTERMSIG(status)) + ")"
                                    : "failed (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
    ++crashes;
    ++consecutive_crashes;
    log::error("worker", "devtrack-worker (pid {}) {}; {} job(s) kept for the restart", child, last_exit, jobs.size());
    if (!stopping) schedule_restart();
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
  int64_t key = p.value("trigger_id", p.value("update_id", p.value("prompt_id", int64_t{0})));
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

void WorkerLink::done(const std::string& topic, int64_t key) { impl_->jobs.erase({topic, key}); }

WorkerLink::Status WorkerLink::status() const {
  return {impl_->pid != 0, impl_->pid, impl_->crashes, impl_->jobs.size(), impl_->last_exit};
}

void WorkerLink::stop() {
  impl_->stopping = true;
  if (!impl_->pid) return;
  ::kill(impl_->pid, SIGTERM);
  int status;
  while (::waitpid(impl_->pid, &status, 0) < 0 && errno == EINTR) {
  }
  impl_->pid = 0;
  impl_->pipe.reset();
}

}  // namespace devtrack

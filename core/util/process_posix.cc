#include "util/process.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace devtrack {

std::string replace_process(const std::string& path, char** argv) {
  ::execv(path.c_str(), argv);
  return std::strerror(errno);
}

int run_program(const std::vector<std::string>& argv, std::string* error) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), environ);
  if (rc != 0) {
    if (error) *error = "cannot run " + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      if (error) *error = "cannot wait for " + argv[0] + ": " + std::strerror(errno);
      return -1;
    }
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (error) *error = argv[0] + " was killed by signal " + std::to_string(WTERMSIG(status));
  return -1;
}

}  // namespace devtrack

#include <fcntl.h>

namespace devtrack {

namespace {
std::vector<char*> c_args(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  return args;
}
}  // namespace

int run_capture(const std::vector<std::string>& argv, std::string* out, std::string* error) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    if (error) *error = std::string("pipe: ") + std::strerror(errno);
    return -1;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  auto args = c_args(argv);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    if (error) *error = "cannot run " + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (out) out->append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (error) *error = argv[0] + " was killed by signal " + std::to_string(WTERMSIG(status));
  return -1;
}

int spawn_detached(const std::vector<std::string>& argv, const std::string& log_file, std::string* error) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);
  auto args = c_args(argv);
  pid_t pid;
  int rc = posix_spawn(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    if (error) *error = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

}  // namespace devtrack

#include <poll.h>
#include <signal.h>
#include <unistd.h>

namespace devtrack {

namespace {

// Reads what is there on `fd` into `into`; false at end of file or error.
bool drain(int fd, std::string* into) {
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  into->append(buf, static_cast<size_t>(n));
  explicit_bzero(buf, sizeof buf);  // a secret command's output: leave no copy behind
  return true;
}

pid_t spawn_captured(const std::vector<std::string>& argv, int out_fd, int err_fd, std::string* error) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);  // pgid 0: its own group, killed as one
  posix_spawnattr_setpgroup(&attr, 0);
  auto args = c_args(argv);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    *error = "cannot run " + argv[0] + ": " + std::strerror(rc);
    return -1;
  }
  return pid;
}

}  // namespace

BoundedResult run_bounded(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          size_t max_output) {
  BoundedResult r;
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    ::close(out[0]);
    ::close(out[1]);
    return r;
  }
  pid_t pid = spawn_captured(argv, out[1], err[1], &r.error);
  ::close(out[1]);
  ::close(err[1]);
  if (pid > 0) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string* into[2] = {&r.out, &r.err};
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        r.timed_out = true;
        break;
      }
      int n = ::poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
      if (n < 0 && errno != EINTR) break;
      for (int i = 0; i < 2 && n > 0; ++i)
        if (fds[i].fd >= 0 && fds[i].revents && !drain(fds[i].fd, into[i])) fds[i].fd = -1;
      if (r.out.size() + r.err.size() > max_output) {
        r.too_large = true;
        break;
      }
    }
    int status = 0;
    // Both pipes closed is not the end: the child may live on without them.
    while (!r.timed_out && !r.too_large) {
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid || (w < 0 && errno != EINTR)) break;
      if (std::chrono::steady_clock::now() >= deadline) r.timed_out = true;
      else ::poll(nullptr, 0, 20);
    }
    if (r.timed_out || r.too_large) {
      ::kill(-pid, SIGKILL);
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    if (r.timed_out)
      r.error = argv[0] + " did not finish within " + std::to_string(timeout.count() / 1000) + " s and was killed";
    else if (r.too_large)
      r.error = argv[0] + " printed more than " + std::to_string(max_output) + " bytes and was stopped";
    else if (WIFEXITED(status))
      r.status = WEXITSTATUS(status);
    else
      r.error = argv[0] + " was killed by signal " + std::to_string(WTERMSIG(status));
    if (r.out.size() > max_output) r.out.resize(max_output);
    if (r.err.size() > max_output) r.err.resize(max_output);
  }
  ::close(out[0]);
  ::close(err[0]);
  return r;
}

}  // namespace devtrack

#include <sys/socket.h>
#include <sys/wait.h>

namespace devtrack {

std::optional<ChildWithSocket> spawn_with_socket(const std::vector<std::string>& argv, std::string* error) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    if (error) *error = std::string("cannot create a socketpair: ") + std::strerror(errno);
    return std::nullopt;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 3);  // clears CLOEXEC on fd 3
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  auto args = c_args(argv);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    if (error) *error = "cannot start " + argv[0] + ": " + std::strerror(rc);
    return std::nullopt;
  }
  return ChildWithSocket{pid, fds[0]};
}

ChildExit wait_child(int pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  ChildExit e;
  e.clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  e.signalled = WIFSIGNALED(status);
  e.killed_hard = e.signalled && WTERMSIG(status) == SIGKILL;
  e.text = e.signalled ? "signal " + std::to_string(WTERMSIG(status))
                       : "exit status " + std::to_string(WEXITSTATUS(status));
  return e;
}

void stop_child(int pid) {
  ::kill(pid, SIGTERM);
  wait_child(pid);
}

}  // namespace devtrack

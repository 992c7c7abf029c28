/* devtrack-hook: DevTrack's post-commit hook. libc only, so that git's
 * commit does not wait on a C++ runtime or any library start-up.
 *
 * It reads HEAD from the git directory, hands {repo, git_dir, commit,
 * branch} to the daemon over its Unix socket (one JSON line, docs/ipc.md)
 * without waiting for the reply. If the daemon is not there, not ours, or
 * not taking connections within a short deadline, it writes the same
 * message to $DEVTRACK_HOME/spool/ for the daemon to ingest at start. Then
 * it runs a chained hook (<this path>.devtrack-chained) with the same
 * arguments, so its exit status is what git sees. It never fails a commit
 * on its own account, and nothing in the report part can keep the chained
 * hook from running: every write is bounded, and what does not fit is not
 * reported (the daemon's reflog watcher still finds the commit).
 *
 * The socket path is derived exactly as core/ipc/ipc.cc does:
 * $XDG_RUNTIME_DIR/devtrack-<fnv1a32(home)>/daemon.sock, else
 * /tmp/devtrack-<uid>-<hash>/daemon.sock. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hook_message.h"

/* Room for any path getcwd() can return plus a suffix; longer ones are not
 * reported rather than cut. */
#define PATH_BUF (PATH_MAX + 256)

/* How long a commit may wait for a daemon that is alive but not reading
 * (stopped, swapping): then the message goes to the spool. */
#define SEND_DEADLINE_MS 200

/* snprintf that says whether everything fitted: 0 if so, -1 if cut. */
static int format(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int format(char *out, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out, size, fmt, ap);
  va_end(ap);
  return n >= 0 && (size_t)n < size ? 0 : -1;
}

/* a, or cwd/a when a is relative. */
static int absolute(char *out, size_t size, const char *cwd, const char *a) {
  return a[0] == '/' ? format(out, size, "%s", a) : format(out, size, "%s/%s", cwd, a);
}

static int read_line(const char *path, char *buf, size_t size) {
  FILE *f = fopen(path, "re");
  if (!f) return -1;
  char *ok = fgets(buf, (int)size, f);
  fclose(f);
  if (!ok) return -1;
  buf[strcspn(buf, "\r\n")] = '\0';
  return 0;
}

/* The git directory: $GIT_DIR, or ./.git (a directory, or a file saying
 * "gitdir: <path>" for worktrees and submodules). */
static int find_git_dir(const char *cwd, char *out, size_t size) {
  const char *env = getenv("GIT_DIR");
  char path[PATH_BUF], line[PATH_BUF];
  struct stat st;
  if (env && *env) return absolute(out, size, cwd, env);
  if (format(path, sizeof path, "%s/.git", cwd) != 0 || stat(path, &st) != 0) return -1;
  if (S_ISDIR(st.st_mode)) return format(out, size, "%s", path);
  if (read_line(path, line, sizeof line) != 0 || strncmp(line, "gitdir: ", 8) != 0) return -1;
  return absolute(out, size, cwd, line + 8);
}

/* The last line of packed-refs naming ref, if any. */
static void read_packed_ref(const char *common, const char *ref, char *commit, size_t csize) {
  char path[PATH_BUF], line[PATH_BUF];
  if (format(path, sizeof path, "%s/packed-refs", common) != 0) return;
  FILE *f = fopen(path, "re");
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (strlen(line) > 41 && strcmp(line + 41, ref) == 0) {
      format(commit, csize, "%.40s", line);
      break;
    }
  }
  fclose(f);
}

/* Resolves HEAD to a commit id and branch name ("" when detached). An empty
 * commit is fine: the daemon then reads the reflog. */
static void read_head(const char *git_dir, char *commit, size_t csize, char *branch, size_t bsize) {
  char head[PATH_BUF], path[PATH_BUF], common[PATH_BUF], line[PATH_BUF];
  commit[0] = branch[0] = '\0';
  if (format(path, sizeof path, "%s/HEAD", git_dir) != 0 || read_line(path, head, sizeof head) != 0) return;
  if (strncmp(head, "ref: ", 5) != 0) {
    format(commit, csize, "%.40s", head);
    return;
  }
  const char *ref = head + 5;
  if (strncmp(ref, "refs/heads/", 11) == 0 && format(branch, bsize, "%s", ref + 11) != 0) branch[0] = '\0';
  /* Refs live in the common directory (differs for worktrees). */
  if (format(path, sizeof path, "%s/commondir", git_dir) == 0 && read_line(path, line, sizeof line) == 0) {
    if (absolute(common, sizeof common, git_dir, line) != 0) return;
  } else if (format(common, sizeof common, "%s", git_dir) != 0) {
    return;
  }
  if (format(path, sizeof path, "%s/%s", common, ref) == 0 && read_line(path, line, sizeof line) == 0 &&
      strlen(line) >= 40) {
    format(commit, csize, "%.40s", line);
    return;
  }
  read_packed_ref(common, ref, commit, csize);
}

static uint32_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; ++s) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ull;
  }
  return (uint32_t)(h & 0xffffffffu);
}

/* Collapses "//", "/./" and a trailing "/" like std::filesystem's
 * lexically_normal does for the absolute paths people use. */
static void normalize(char *p) {
  char *r = p, *w = p;
  while (*r) {
    if (r[0] == '/' && r[1] == '/') { ++r; continue; }
    if (r[0] == '/' && r[1] == '.' && (r[2] == '/' || r[2] == '\0')) { r += 2; continue; }
    *w++ = *r++;
  }
  if (w > p + 1 && w[-1] == '/') --w;
  *w = '\0';
}

static int devtrack_home(char *out, size_t size) {
  const char *home = getenv("DEVTRACK_HOME");
  if (home && *home) {
    if (home[0] != '/') return -1; /* relative to what? the hook runs inside the repository */
    if (format(out, size, "%s", home) != 0) return -1;
  } else {
    const char *h = getenv("HOME");
    if (!h || !*h || format(out, size, "%s/.devtrack", h) != 0) return -1;
  }
  normalize(out);
  return 0;
}

static long long monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is writable or the deadline passes: 0 if writable. */
static int wait_writable(int fd, long long deadline_ms) {
  for (;;) {
    long long left = deadline_ms - monotonic_ms();
    if (left <= 0) return -1;
    struct pollfd p = {fd, POLLOUT, 0};
    int n = poll(&p, 1, (int)left);
    if (n > 0) return (p.revents & POLLOUT) ? 0 : -1;
    if (n < 0 && errno != EINTR) return -1;
  }
}

/* The socket directory must be the daemon's, made by us: a real directory
 * (lstat: not a symlink someone planted), owned by this uid, with no group
 * or other access. Otherwise commit ids and paths could go to another user
 * who created the predictable /tmp/devtrack-<uid>-<hash> first. */
static int socket_dir_is_ours(const char *dir) {
  struct stat st;
  if (lstat(dir, &st) != 0) return 0;
  return S_ISDIR(st.st_mode) && st.st_uid == getuid() && (st.st_mode & 077) == 0;
}

/* The listening end belongs to this uid (SO_PEERCRED gives the credentials
 * the server had when it called listen()). */
static int peer_is_ours(int fd) {
  struct ucred cred;
  socklen_t len = sizeof cred;
  return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == getuid();
}

/* Non-blocking connect: on a Unix socket whose backlog is full (a stopped
 * daemon) it fails at once with EAGAIN instead of parking the commit. */
static int connect_now(int fd, const struct sockaddr_un *addr, long long deadline_ms) {
  if (connect(fd, (const struct sockaddr *)addr, sizeof *addr) == 0) return 0;
  if (errno != EINPROGRESS || wait_writable(fd, deadline_ms) != 0) return -1;
  int err = 0;
  socklen_t len = sizeof err;
  return getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0 ? 0 : -1;
}

static int send_all(int fd, const char *message, size_t len, long long deadline_ms) {
  size_t sent = 0;
  while (sent < len) {
    ssize_t n = send(fd, message + sent, len - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += (size_t)n;
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && errno == EAGAIN) {
      if (wait_writable(fd, deadline_ms) != 0) return -1;
    } else {
      return -1;
    }
  }
  return 0;
}

static int send_to_daemon(const char *home, const char *message, size_t len) {
  char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
  struct sockaddr_un addr;
  const char *runtime = getenv("XDG_RUNTIME_DIR");
  int cut = runtime && *runtime ? format(dir, sizeof dir, "%s/devtrack-%08x", runtime, fnv1a(home))
                                : format(dir, sizeof dir, "/tmp/devtrack-%u-%08x", (unsigned)getuid(), fnv1a(home));
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  if (cut != 0 || format(addr.sun_path, sizeof addr.sun_path, "%s/daemon.sock", dir) != 0) return -1;
  if (!socket_dir_is_ours(dir)) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  long long deadline = monotonic_ms() + SEND_DEADLINE_MS;
  int ok = connect_now(fd, &addr, deadline) == 0 && peer_is_ours(fd) && send_all(fd, message, len, deadline) == 0;
  /* No waiting for the reply: a commit must not wait on the daemon's disk.
   * Nothing is lost if the daemon dies before storing this line: the commit
   * is in the reflog, which the daemon reads again when it starts. */
  close(fd);
  return ok ? 0 : -1;
}

static int write_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Makes the rename durable: the new name lives in the directory. */
static void fsync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  fsync(fd);
  close(fd);
}

/* Creates a fresh temporary spool file: O_EXCL|O_NOFOLLOW so that nothing
 * planted under that name (a symlink elsewhere) is ever written through.
 * Names are <time><usec>-<pid>-<n>.json, the time first because the daemon
 * ingests them in name order. */
static int open_spool_file(const char *dir, char *tmp, char *final_path, size_t size) {
  static unsigned counter;
  struct timeval tv;
  gettimeofday(&tv, NULL);
  for (int attempt = 0; attempt < 16; ++attempt) {
    if (format(final_path, size, "%s/%lld%06ld-%d-%u.json", dir, (long long)tv.tv_sec, (long)tv.tv_usec,
               (int)getpid(), counter++) != 0 ||
        format(tmp, size, "%s.tmp", final_path) != 0)
      return -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  return -1;
}

static void spool(const char *home, const char *message, size_t len) {
  char dir[PATH_BUF], tmp[PATH_BUF], final_path[PATH_BUF];
  if (format(dir, sizeof dir, "%s/spool", home) != 0) return;
  mkdir(home, 0700);
  mkdir(dir, 0700);
  int fd = open_spool_file(dir, tmp, final_path, sizeof tmp);
  if (fd < 0) return;
  int ok = write_all(fd, message, len) == 0 && fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  if (ok && rename(tmp, final_path) == 0) fsync_dir(dir);
  else unlink(tmp);
}

/* Only in an interactive terminal, never in rebases, merges, cherry-picks,
 * CI or when told not to (DEVTRACK_NO_INLINE=1). */
static int inline_allowed(const char *git_dir) {
  static const char *const busy[] = {"rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD",
                                     "sequencer"};
  char path[PATH_BUF];
  struct stat st;
  const char *action = getenv("GIT_REFLOG_ACTION");
  if (getenv("CI") || getenv("DEVTRACK_NO_INLINE")) return 0;
  if (action && (strstr(action, "rebase") || strstr(action, "cherry-pick") || strstr(action, "merge") ||
                 strstr(action, "revert") || strstr(action, "am")))
    return 0;
  if (!isatty(STDERR_FILENO)) return 0; /* the usual case (an IDE, a script): before any stat */
  for (size_t i = 0; i < sizeof busy / sizeof busy[0]; ++i) {
    if (format(path, sizeof path, "%s/%s", git_dir, busy[i]) != 0 || stat(path, &st) == 0) return 0;
  }
  int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) return 0;
  close(tty);
  return 1;
}

/* Runs `devtrack checkin --inline` on the terminal and waits for it (it
 * gives up after prompt.inline_timeout by itself). The prompt loads the
 * tty plugin, so it is devtrack-full, beside this hook in libexec/devtrack
 * (bin/devtrack would only hand it there). */
static void ask_inline(const char *repo) {
  char self[PATH_BUF], devtrack[PATH_BUF];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return;
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (!slash) return;
  *slash = '\0';
  if (format(devtrack, sizeof devtrack, "%s/devtrack-full", self) != 0) return;
  pid_t pid = fork();
  if (pid == 0) {
    int tty = open("/dev/tty", O_RDWR);
    if (tty >= 0) {
      dup2(tty, 0);
      dup2(tty, 1);
      dup2(tty, 2);
    }
    execl(devtrack, devtrack, "checkin", "--inline", "--repo", repo, (char *)NULL);
    _exit(127);
  }
  if (pid > 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

/* The line for this commit, in a static buffer (64 KiB off the stack).
 * Paths near PATH_MAX full of control characters do not fit with their
 * escapes: then the branch is left out (the daemon does not need it), and if
 * even that does not fit there is no message (-1). */
static long build_message(const char *cwd, const char *git_dir, const char *commit, const char *branch,
                          long long git_pid, const char **message) {
  static char line[DT_HOOK_MAX_LINE];
  struct timeval tv;
  gettimeofday(&tv, NULL);
  long long at_ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
  long len = dt_hook_build_message(line, sizeof line, cwd, git_dir, commit, branch, at_ms, git_pid);
  if (len < 0) len = dt_hook_build_message(line, sizeof line, cwd, git_dir, commit, "", at_ms, git_pid);
  *message = line;
  return len;
}

static void report_commit(void) {
  char cwd[PATH_MAX], git_dir[PATH_BUF], commit[64], branch[PATH_BUF], home[PATH_BUF];
  const char *message;
  /* Past PATH_MAX getcwd fails (ERANGE): no report, the watcher has it. */
  if (!getcwd(cwd, sizeof cwd) || find_git_dir(cwd, git_dir, sizeof git_dir) != 0) return;
  if (devtrack_home(home, sizeof home) != 0) return;
  read_head(git_dir, commit, sizeof commit, branch, sizeof branch);
  /* git waits for this hook and runs on after it: the daemon does the
   * commit's work once git (our parent) has ended, not beside it. Unless
   * the prompt is asked here and now: then git waits for the answer. */
  int ask_here = inline_allowed(git_dir);
  pid_t git = getppid();
  long len = build_message(cwd, git_dir, commit, branch, ask_here || git <= 1 ? 0 : (long long)git, &message);
  if (len < 0) return;
  if (send_to_daemon(home, message, (size_t)len) != 0) {
    spool(home, message, (size_t)len);
    return; /* no daemon: no prompt to answer now */
  }
  if (ask_here) ask_inline(cwd);
}

/* Chains the hook that was there before DevTrack's; its status is ours. */
static int run_chained(char **argv) {
  static const char suffix[] = ".devtrack-chained";
  size_t n = strlen(argv[0]);
  char *chained = malloc(n + sizeof suffix);
  if (!chained) {
    perror("devtrack-hook: cannot run the chained post-commit hook");
    return 1;
  }
  memcpy(chained, argv[0], n);
  memcpy(chained + n, suffix, sizeof suffix);
  if (access(chained, X_OK) != 0) return 0;
  argv[0] = chained;
  execv(chained, argv);
  perror("devtrack-hook: cannot run the chained post-commit hook");
  return 1;
}

int main(int argc, char **argv) {
  report_commit();
  return argc > 0 ? run_chained(argv) : 0;
}

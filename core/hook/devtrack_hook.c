/* devtrack-hook: DevTrack's post-commit hook. libc only, so that git's
 * commit does not wait on a C++ runtime or any library start-up.
 *
 * It reads HEAD from the git directory, hands {repo, git_dir, commit,
 * branch} to the daemon over its Unix socket (one JSON line, docs/ipc.md)
 * without waiting for the reply. If the daemon is not there it writes the
 * same message to $DEVTRACK_HOME/spool/ for the daemon to ingest
 * at start. Then it runs a chained hook (<this path>.devtrack-chained) with
 * the same arguments, so its exit status is what git sees. It never fails
 * a commit on its own account.
 *
 * The socket path is derived exactly as core/ipc/ipc.cc does:
 * $XDG_RUNTIME_DIR/devtrack-<fnv1a32(home)>/daemon.sock, else
 * /tmp/devtrack-<uid>-<hash>/daemon.sock. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static int read_line(const char *path, char *buf, size_t size) {
  FILE *f = fopen(path, "r");
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
  char path[4096], line[4096];
  struct stat st;
  if (env && *env) {
    if (env[0] == '/') snprintf(out, size, "%s", env);
    else snprintf(out, size, "%s/%s", cwd, env);
    return 0;
  }
  snprintf(path, sizeof path, "%s/.git", cwd);
  if (stat(path, &st) != 0) return -1;
  if (S_ISDIR(st.st_mode)) {
    snprintf(out, size, "%s", path);
    return 0;
  }
  if (read_line(path, line, sizeof line) != 0 || strncmp(line, "gitdir: ", 8) != 0) return -1;
  if (line[8] == '/') snprintf(out, size, "%s", line + 8);
  else snprintf(out, size, "%s/%s", cwd, line + 8);
  return 0;
}

/* Resolves HEAD to a commit id and branch name ("" when detached). */
static void read_head(const char *git_dir, char *commit, size_t csize, char *branch, size_t bsize) {
  char head[4096], path[4096], common[4096], line[4096];
  commit[0] = branch[0] = '\0';
  snprintf(path, sizeof path, "%s/HEAD", git_dir);
  if (read_line(path, head, sizeof head) != 0) return;
  if (strncmp(head, "ref: ", 5) != 0) {
    snprintf(commit, csize, "%.40s", head);
    return;
  }
  const char *ref = head + 5;
  if (strncmp(ref, "refs/heads/", 11) == 0) snprintf(branch, bsize, "%s", ref + 11);
  /* Refs live in the common directory (differs for worktrees). */
  snprintf(path, sizeof path, "%s/commondir", git_dir);
  if (read_line(path, line, sizeof line) == 0) {
    if (line[0] == '/') snprintf(common, sizeof common, "%s", line);
    else snprintf(common, sizeof common, "%s/%s", git_dir, line);
  } else {
    snprintf(common, sizeof common, "%s", git_dir);
  }
  snprintf(path, sizeof path, "%s/%s", common, ref);
  if (read_line(path, line, sizeof line) == 0 && strlen(line) >= 40) {
    snprintf(commit, csize, "%.40s", line);
    return;
  }
  snprintf(path, sizeof path, "%s/packed-refs", common);
  FILE *f = fopen(path, "r");
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (strlen(line) > 41 && strcmp(line + 41, ref) == 0) {
      snprintf(commit, csize, "%.40s", line);
      break;
    }
  }
  fclose(f);
}

/* Appends s to out as a JSON string. */
static void json_string(char *out, size_t size, const char *s) {
  size_t n = strlen(out);
  if (n + 2 >= size) return;
  out[n++] = '"';
  for (; *s && n + 8 < size; ++s) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') {
      out[n++] = '\\';
      out[n++] = (char)c;
    } else if (c < 0x20) {
      n += (size_t)snprintf(out + n, size - n, "\\u%04x", c);
    } else {
      out[n++] = (char)c;
    }
  }
  out[n++] = '"';
  out[n] = '\0';
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
    if (home[0] == '/') {
      snprintf(out, size, "%s", home);
    } else {
      return -1; /* relative to what? the hook runs inside the repository */
    }
  } else {
    const char *h = getenv("HOME");
    if (!h || !*h) return -1;
    snprintf(out, size, "%s/.devtrack", h);
  }
  normalize(out);
  return 0;
}

static int send_to_daemon(const char *home, const char *message) {
  char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 64];
  const char *runtime = getenv("XDG_RUNTIME_DIR");
  if (runtime && *runtime)
    snprintf(path, sizeof path, "%s/devtrack-%08x/daemon.sock", runtime, fnv1a(home));
  else
    snprintf(path, sizeof path, "/tmp/devtrack-%u-%08x/daemon.sock", (unsigned)getuid(), fnv1a(home));
  struct sockaddr_un addr;
  if (strlen(path) >= sizeof addr.sun_path) return -1;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  size_t len = strlen(message), sent = 0;
  while (sent < len) {
    ssize_t n = send(fd, message + sent, len - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) { close(fd); return -1; }
    sent += (size_t)n;
  }
  /* No waiting for the reply: a commit must not wait on the daemon's disk.
   * Nothing is lost if the daemon dies before storing this line: the commit
   * is in the reflog, which the daemon reads again when it starts. */
  close(fd);
  return 0;
}

static void spool(const char *home, const char *message) {
  char dir[4096], tmp[4200], final_path[4200];
  struct timeval tv;
  snprintf(dir, sizeof dir, "%s/spool", home);
  mkdir(home, 0700);
  mkdir(dir, 0700);
  gettimeofday(&tv, NULL);
  snprintf(final_path, sizeof final_path, "%s/%lld%06ld-%d.json", dir, (long long)tv.tv_sec, (long)tv.tv_usec,
           (int)getpid());
  snprintf(tmp, sizeof tmp, "%s.tmp", final_path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  size_t len = strlen(message);
  int ok = write(fd, message, len) == (ssize_t)len && fsync(fd) == 0;
  close(fd);
  if (ok) rename(tmp, final_path);
  else unlink(tmp);
}

/* Only in an interactive terminal, never in rebases, merges, cherry-picks,
 * CI or when told not to (DEVTRACK_NO_INLINE=1). */
static int inline_allowed(const char *git_dir) {
  static const char *const busy[] = {"rebase-merge", "rebase-apply", "MERGE_HEAD", "CHERRY_PICK_HEAD", "REVERT_HEAD",
                                     "sequencer"};
  char path[4200];
  struct stat st;
  const char *action = getenv("GIT_REFLOG_ACTION");
  if (getenv("CI") || getenv("DEVTRACK_NO_INLINE")) return 0;
  if (action && (strstr(action, "rebase") || strstr(action, "cherry-pick") || strstr(action, "merge") ||
                 strstr(action, "revert") || strstr(action, "am")))
    return 0;
  for (size_t i = 0; i < sizeof busy / sizeof busy[0]; ++i) {
    snprintf(path, sizeof path, "%s/%s", git_dir, busy[i]);
    if (stat(path, &st) == 0) return 0;
  }
  if (!isatty(STDERR_FILENO)) return 0;
  int tty = open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (tty < 0) return 0;
  close(tty);
  return 1;
}

/* Runs `devtrack checkin --inline` on the terminal and waits for it (it
 * gives up after prompt.inline_timeout by itself). devtrack sits at
 * ../../bin/devtrack from libexec/devtrack/devtrack-hook. */
static void ask_inline(const char *repo) {
  char self[4096], devtrack[4200];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return;
  self[n] = '\0';
  char *cut = strstr(self, "/libexec/devtrack/devtrack-hook");
  if (!cut) return;
  *cut = '\0';
  snprintf(devtrack, sizeof devtrack, "%s/bin/devtrack", self);
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

static void report_commit(void) {
  char cwd[4096], git_dir[4096], commit[64], branch[1024], home[4096];
  char message[16384];
  struct timeval tv;
  if (!getcwd(cwd, sizeof cwd) || find_git_dir(cwd, git_dir, sizeof git_dir) != 0) return;
  if (devtrack_home(home, sizeof home) != 0) return;
  read_head(git_dir, commit, sizeof commit, branch, sizeof branch);
  gettimeofday(&tv, NULL);
  snprintf(message, sizeof message, "{\"v\":1,\"id\":1,\"cmd\":\"hook.commit\",\"args\":{\"repo\":");
  json_string(message, sizeof message, cwd);
  strcat(message, ",\"git_dir\":");
  json_string(message, sizeof message, git_dir);
  strcat(message, ",\"commit\":");
  json_string(message, sizeof message, commit);
  strcat(message, ",\"branch\":");
  json_string(message, sizeof message, branch);
  snprintf(message + strlen(message), sizeof message - strlen(message), ",\"at_ms\":%lld}}\n",
           (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000);
  if (send_to_daemon(home, message) != 0) {
    spool(home, message);
    return;  /* no daemon: no prompt to answer now */
  }
  if (inline_allowed(git_dir)) ask_inline(cwd);
}

int main(int argc, char **argv) {
  (void)argc;
  report_commit();
  /* Chain the hook that was there before DevTrack's. */
  char chained[4096];
  snprintf(chained, sizeof chained, "%s.devtrack-chained", argv[0]);
  if (access(chained, X_OK) == 0) {
    argv[0] = chained;
    execv(chained, argv);
    perror("devtrack-hook: cannot run the chained post-commit hook");
    return 1;
  }
  return 0;
}

/* The floor for a post-commit hook: a C program that only connects to a
 * Unix socket (the daemon's) and exits. git's own cost of running any hook
 * is what this measures. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(void) {
  const char *path = getenv("BENCH_SOCKET");
  if (!path) return 0;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  strncpy(addr.sun_path, path, sizeof addr.sun_path - 1);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd >= 0) {
    connect(fd, (struct sockaddr *)&addr, sizeof addr);
    close(fd);
  }
  return 0;
}

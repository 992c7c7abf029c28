/* timeit: runs several commands interleaved, ROUNDS times each, and prints
 * the median and minimum wall time of each in milliseconds. Interleaving
 * puts every command under the same machine conditions (DESIGN.md asks for
 * ratios against a baseline measured in the same run).
 *   timeit [-g GAP_MS] ROUNDS 'cmd one' 'cmd two' ...
 * -g: pause GAP_MS after each run, outside the measurement, so that work a
 * command leaves behind in other processes (a daemon recording a commit
 * after git has ended) is done before the next command starts, as it is
 * between a user's commits.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Runs argv directly (split on spaces; no shell, so the shell's own start
 * is not in the measurement). */
static double run(char *cmd) {
  char *argv[64];
  int n = 0;
  char *copy = strdup(cmd), *save = NULL;
  for (char *tok = strtok_r(copy, " ", &save); tok && n < 63; tok = strtok_r(NULL, " ", &save)) argv[n++] = tok;
  argv[n] = NULL;
  double start = now_ms();
  pid_t pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, 1);
    dup2(devnull, 2);
    execvp(argv[0], argv);
    _exit(127);
  }
  int status;
  waitpid(pid, &status, 0);
  double took = now_ms() - start;
  free(copy);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "timeit: '%s' failed\n", cmd);
    exit(1);
  }
  return took;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: timeit ROUNDS CMD...\n");
    return 2;
  }
  long gap_ms = 0;
  if (argc > 3 && strcmp(argv[1], "-g") == 0) {
    gap_ms = atol(argv[2]);
    argv += 2;
    argc -= 2;
  }
  int rounds = atoi(argv[1]), cmds = argc - 2;
  double *t = calloc((size_t)(rounds * cmds), sizeof *t);
  for (int c = 0; c < cmds; ++c) run(argv[2 + c]); /* warm-up */
  for (int r = 0; r < rounds; ++r)
    for (int c = 0; c < cmds; ++c) {
      t[c * rounds + r] = run(argv[2 + c]);
      if (gap_ms > 0) nanosleep(&(struct timespec){gap_ms / 1000, (gap_ms % 1000) * 1000000L}, NULL);
    }
  for (int c = 0; c < cmds; ++c) {
    qsort(t + c * rounds, (size_t)rounds, sizeof *t, cmp);
    printf("%.3f %.3f\n", t[c * rounds + rounds / 2], t[c * rounds]);
  }
  return 0;
}

/* The hook's one IPC line, built without allocation: a pure function of its
 * inputs so that it can be fuzzed on its own (tests/fuzz/hook_message_fuzz.cc).
 * C and libc only, like the hook. */
#ifndef DEVTRACK_HOOK_MESSAGE_H
#define DEVTRACK_HOOK_MESSAGE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The daemon reads lines of at most 64 KiB (core/ipc/ipc.h kMaxMessageBytes)
 * plus their newline; a buffer of this size holds any line it accepts. */
#define DT_HOOK_MAX_LINE (64 * 1024 + 2)

/* Writes {"v":1,"id":1,"cmd":"hook.commit","args":{"repo","git_dir",
 * "commit","branch","at_ms"[,"git_pid"]}} and a newline to out,
 * NUL-terminated. git_pid (the git process running the hook, when > 0)
 * lets the daemon do the commit's work once git has finished.
 * Strings may hold any bytes: control characters are escaped and each byte
 * that is not part of valid UTF-8 becomes U+FFFD (the rule of the SDK's
 * to_valid_utf8), so the line is always valid JSON. Returns the length
 * without the NUL, or -1 if the line and its NUL do not fit in cap bytes
 * (out then holds no usable message). Never writes past out[cap - 1]. */
long dt_hook_build_message(char *out, size_t cap, const char *repo, const char *git_dir, const char *commit,
                           const char *branch, long long at_ms, long long git_pid);

#ifdef __cplusplus
}
#endif

#endif

/* The time zone module's C interface: libdevtrack-tz.so wraps Howard
 * Hinnant's date-tz (IANA zones from the system's tzdata) behind these few
 * C calls, and TimeZone (util/time_zone.h) dlopen()s it on the first zone
 * a process needs. date-tz exists only as a C++ shared library; kept out of
 * the executables' links, a `devtrack` that shows no local time maps no
 * C++ shared library at all (docs/architecture.md, "Start-up").
 *
 * Internal: built and installed with the host, never by plugins. Any
 * thread may call it; no call throws. */
#ifndef DEVTRACK_TZ_MODULE_H
#define DEVTRACK_TZ_MODULE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DEVTRACK_TZ_MODULE_VERSION 1u

typedef struct devtrack_tz_api {
  uint32_t version; /* DEVTRACK_TZ_MODULE_VERSION of the module */
  /* The zone called `name` ("" = the system's), valid for the process's
   * life; NULL with the reason in `error` (NUL-terminated). */
  const void* (*locate)(const char* name, char* error, size_t error_size);
  /* The zone's IANA name. */
  const char* (*name)(const void* zone);
  /* Seconds east of UTC in force at `utc_s`, and its abbreviation ("CET"). */
  int64_t (*offset_at)(const void* zone, int64_t utc_s, char* abbrev, size_t abbrev_size);
  /* The UTC second of local second `local_s`: where it happens twice, the
   * earlier (latest == 0) or the later; where it never happens, the
   * moment the clocks jumped. */
  int64_t (*to_utc)(const void* zone, int64_t local_s, int latest);
} devtrack_tz_api;

/* The module's only symbol. */
const devtrack_tz_api* devtrack_tz_module(void);

#ifdef __cplusplus
}
#endif

#endif

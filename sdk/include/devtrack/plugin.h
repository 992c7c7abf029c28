/*
 * DevTrack plugin ABI — the contract between the DevTrack host and plugins.
 *
 * SPDX-License-Identifier: MIT
 *
 * This header is valid C99 and C++. Only C types cross the boundary: UTF-8
 * `const char *`, fixed-width integers, `bool`, and structs of function
 * pointers. No C++ class, exception, std::string or allocator ownership ever
 * crosses it, so a plugin built with another compiler or standard library
 * keeps working.
 *
 * A plugin is a shared library that exports exactly one symbol,
 * `devtrack_plugin_entry` (see the end of this file). The host calls it, reads
 * the descriptor's ABI version and struct_size first, and refuses the plugin
 * (with one clear line naming the file and the reason) if they do not fit.
 *
 * Threads. Every function below carries a tag saying who may call it and from
 * which thread:
 *   [bus]         the host's event-loop thread of the process the plugin runs
 *                 in (daemon, worker or client). Plugin callbacks tagged [bus]
 *                 must not block: hand long work to your own thread, or (in
 *                 the worker) simply take your time — the worker runs one
 *                 delivery at a time.
 *   [any-thread]  any thread, concurrently; the function is thread-safe.
 *   [create]      only during create(), on the thread calling it.
 *   [blocking]    may block for a long time (network); never call it from a
 *                 [bus] callback of a daemon plugin.
 *
 * Memory. Whoever allocates frees. Data the plugin returns goes through a
 * `dt_out` writer that the host owns (the plugin copies its bytes in); data the
 * host passes in is valid only for the duration of the call unless stated
 * otherwise. Strings in the descriptor and option table are owned by the
 * plugin and must stay valid until the process exits (static storage).
 *
 * Payloads are UTF-8 JSON text. Shapes are documented in docs/plugin-authoring.md.
 *
 * Versioning: this is ABI 1.2. 1.0 was frozen with the ten bundled plugins;
 * 1.1 appended dt_plugin_descriptor.tickets (a tracker's ticket syntax) and
 * dt_host.fetch / fetch_cancel (network reads for daemon plugins); 1.2
 * added the sync kind (DT_KIND_SYNC, dt_sync_v1: carries sealed segments
 * between devices). A plugin
 * loads into a host with the same major and a minor at least the plugin's.
 * Published structs, field meanings and payload keys are never edited or
 * removed: a later 1.x only appends fields at the end of dt_host (hosts set
 * struct_size; plugins check it before using a newer field), adds option
 * types, interface ids (e.g. "devtrack.tracker.v2") and payload keys that
 * plugins may ignore. tests/plugins/abi-1.0/ keeps a copy of this header and
 * a plugin built against it that every later host must load.
 */
#ifndef DEVTRACK_PLUGIN_H
#define DEVTRACK_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DEVTRACK_ABI_MAJOR 1
#define DEVTRACK_ABI_MINOR 2

#if defined(_WIN32)
#define DEVTRACK_EXPORT __declspec(dllexport)
#else
#define DEVTRACK_EXPORT __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------------ */
/* Status codes returned by plugin and host functions.                      */

typedef int32_t dt_status;
#define DT_OK 0          /* done; the out writer holds the result, if any     */
#define DT_NOT_FOUND 1   /* nothing there (find found no earlier post, ...)   */
#define DT_PENDING 2     /* accepted; the result will arrive on the bus       */
#define DT_RETRY 3       /* transient failure: the host retries with backoff  */
#define DT_AUTH 4        /* credentials missing or refused: do not retry      */
#define DT_PERMANENT 5   /* the request itself is wrong: do not retry         */
#define DT_INVALID 6     /* bad arguments from the caller (malformed JSON...) */
#define DT_UNSUPPORTED 7 /* this plugin or host cannot do that               */

/* On any status other than DT_OK / DT_NOT_FOUND / DT_PENDING, a function that
 * has an `out` writer writes a JSON object describing the failure:
 *   {"message": "what went wrong, for a human", "retry_after_s": 30}
 * (`retry_after_s` only with DT_RETRY, optional). A plain non-JSON text is
 * accepted too and taken as the message. */

/* ------------------------------------------------------------------------ */
/* dt_out: a host-owned output buffer the callee appends bytes to.         */

typedef struct dt_out {
  void *ctx; /* host data; do not touch */
  /* [same thread as the call that received this writer]
   * Appends `len` bytes (need not be NUL-terminated). May be called several
   * times. Returns false when the host refuses the data (size limit, 16 MiB);
   * the plugin should then stop writing and return an error. */
  bool (*write)(const struct dt_out *out, const char *data, size_t len);
} dt_out;

/* ------------------------------------------------------------------------ */
/* Kinds and where a plugin runs.                                           */

typedef uint32_t dt_kind;
#define DT_KIND_TRIGGER 1 /* publishes trigger.* events                    */
#define DT_KIND_SURFACE 2 /* shows a prompt, returns answer / skip / defer */
#define DT_KIND_PARSER 3  /* text + context -> structured activity         */
#define DT_KIND_TRACKER 4 /* resolves tickets, posts comments / worklogs   */
#define DT_KIND_SINK 5    /* delivers the end-of-day summary or the standup */
#define DT_KIND_SYNC 6    /* carries this device's data to a shared remote (1.2) */

typedef uint32_t dt_runs_in;
#define DT_RUNS_IN_DAEMON 1 /* the long-lived daemon: must stay small       */
#define DT_RUNS_IN_WORKER 2 /* devtrack-worker: network, libgit2, HTTP/SMTP */
#define DT_RUNS_IN_CLIENT 3 /* the process that owns the user's terminal    */

/* ------------------------------------------------------------------------ */
/* Options: a table the host validates `plugins.<id>` config against and    */
/* shows in `devtrack plugins info` and the configuration reference.        */

typedef uint32_t dt_option_type;
#define DT_OPT_STRING 1   /* any string                                    */
#define DT_OPT_INT 2      /* integer                                       */
#define DT_OPT_BOOL 3     /* true / false                                  */
#define DT_OPT_DURATION 4 /* "90s", "15m", "3h", "1h30m"; passed as seconds */
#define DT_OPT_LIST 5     /* list of strings                               */
#define DT_OPT_SECRET 6   /* a secret reference (env:, cmd:, keyring:, enc:);
                             the host resolves it; never logged            */
#define DT_OPT_URL 7      /* an http(s) URL                                */
#define DT_OPT_MAP 8      /* a mapping of strings to strings ({done: Done}) */

typedef struct dt_option {
  const char *name;          /* key under plugins.<id>; [a-z0-9_]+          */
  dt_option_type type;       /* DT_OPT_*                                    */
  const char *default_value; /* YAML/JSON text of the default, or NULL     */
  const char *doc;           /* one sentence for humans                     */
} dt_option;

/* ------------------------------------------------------------------------ */
/* Host services handed to every plugin instance.                           */

typedef int32_t dt_log_level;
#define DT_LOG_DEBUG 0
#define DT_LOG_INFO 1
#define DT_LOG_WARN 2
#define DT_LOG_ERROR 3

/* [bus] Called with each event whose topic matches the subscription. Both
 * strings are valid only during the call. Must not block. */
typedef void (*dt_event_fn)(void *user, const char *topic, const char *payload_json);

/* [bus] Called once when a timer is due. */
typedef void (*dt_timer_fn)(void *user, uint64_t timer_id);

/* [bus] Called when something changed under a watched path. `name` is the
 * entry that changed, relative to the watched directory (may be ""). */
typedef void (*dt_watch_fn)(void *user, uint64_t watch_id, const char *name);

/* [bus] Called once with the outcome of a fetch (dt_host.fetch, ABI 1.1):
 * `status` and `response` as dt_host.http gives them. `response` is valid
 * only during the call. */
typedef void (*dt_fetch_fn)(void *user, uint64_t fetch_id, dt_status status, const char *response);

typedef struct dt_host {
  uint32_t struct_size; /* sizeof(dt_host) of the host; check before using a
                           member added in a later minor version            */
  uint32_t abi_major;
  uint32_t abi_minor;
  void *host_data;       /* host-owned; do not touch                          */
  const char *plugin_id; /* this instance's plugin id; valid until destroy   */
  const char *runs_in;   /* "daemon" | "worker" | "client"                    */

  /* [any-thread] Logs one line under the plugin's id. Secrets the host knows
   * of are redacted. Do not log commit messages or answers: the host decides
   * whether content is logged. */
  void (*log)(const struct dt_host *host, dt_log_level level, const char *message);

  /* [any-thread] Publishes an event. `payload_json` must be a JSON object;
   * the host copies it. Returns DT_INVALID for malformed JSON or a topic that
   * the plugin may not publish. */
  dt_status (*publish)(const struct dt_host *host, const char *topic,
                       const char *payload_json);

  /* [bus, create] Subscribes to a topic: exact ("prompt.answer") or a prefix
   * pattern ending in ".*" ("trigger.*"). Returns a non-zero id, 0 on
   * failure. The host removes every subscription of a plugin before it calls
   * destroy(). */
  uint64_t (*subscribe)(const struct dt_host *host, const char *topic_pattern,
                        dt_event_fn fn, void *user);
  /* [bus, create] */
  void (*unsubscribe)(const struct dt_host *host, uint64_t subscription_id);

  /* [any-thread] Plugin-scoped persistent key/value store (SQLite). get
   * writes the value to `value` and returns DT_OK, or DT_NOT_FOUND. set with
   * value == NULL deletes the key. Values are UTF-8 text, up to 1 MiB. */
  dt_status (*kv_get)(const struct dt_host *host, const char *key, const dt_out *value);
  dt_status (*kv_set)(const struct dt_host *host, const char *key, const char *value);

  /* [any-thread, blocking] Resolves a secret reference ("env:NAME",
   * "cmd:COMMAND", "keyring:NAME", "enc:...") to its value. The host
   * remembers the value to redact it from every log line. DT_NOT_FOUND when
   * the reference resolves to nothing. */
  dt_status (*secret)(const struct dt_host *host, const char *reference, const dt_out *value);

  /* [any-thread, blocking] HTTP request through the host's libcurl (TLS,
   * CA file, proxies, timeouts, size limits and log redaction are the
   * host's). NULL outside the worker. Request:
   *   {"method": "POST", "url": "...", "headers": {"K": "V"}, "body": "...",
   *    "timeout_s": 30, "basic_auth": {"user": "...", "password": "..."}}
   * Response (written to `response` with DT_OK even for HTTP errors):
   *   {"status": 201, "headers": {"k": "v"}, "body": "..."}
   * DT_RETRY for transport failures (DNS, connect, timeout), DT_PERMANENT
   * for refused requests (plain HTTP off loopback, oversized reply); on
   * failure `response` holds one line for humans, not JSON. */
  dt_status (*http)(const struct dt_host *host, const char *request_json, const dt_out *response);

  /* [any-thread, blocking] Sends one message through the host's SMTP client
   * (libcurl). NULL outside the worker. Request:
   *   {"host", "port", "tls": "starttls" | "implicit" | "none",
   *    "username", "password": a secret reference (the host resolves it),
   *    "ca_file", "allow_plain": bool (tls none beyond loopback),
   *    "from": "addr", "rcpt": ["addr", ...] (the envelope),
   *    "to": [...], "cc": [...] (the headers), "subject", "message_id",
   *    "date_ms", "text", "html"}
   * The host builds the message: Date, Message-ID, an encoded Subject and a
   * multipart/alternative body (quoted-printable). DT_AUTH if the login is
   * refused, DT_RETRY for transport failures and 4xx replies, DT_PERMANENT
   * otherwise; `error` holds one line. */
  dt_status (*smtp)(const struct dt_host *host, const char *request_json, const dt_out *error);

  /* [any-thread] Current wall-clock time in milliseconds since the Unix
   * epoch, through the host's clock (tests may drive it). Plugins must not
   * read the system clock themselves. */
  int64_t (*now_ms)(const struct dt_host *host);

  /* [bus, create] Calls fn once at the wall-clock time due_ms (host clock;
   * a suspended machine fires on wake). Returns a non-zero id. */
  uint64_t (*timer_start)(const struct dt_host *host, int64_t due_ms, dt_timer_fn fn, void *user);
  /* [bus, create] Cancels a timer that has not fired yet; no-op otherwise. */
  void (*timer_cancel)(const struct dt_host *host, uint64_t timer_id);

  /* [bus, create] Watches a directory for created, modified, moved or
   * deleted entries. May be NULL where the process offers no file watching
   * (check before use). Returns a non-zero id, 0 on failure. */
  uint64_t (*watch)(const struct dt_host *host, const char *directory, dt_watch_fn fn, void *user);
  /* [bus, create] */
  void (*unwatch)(const struct dt_host *host, uint64_t watch_id);

  /* ---- ABI 1.1: check DT_HOST_HAS(host, fetch_cancel) before use ---- */

  /* [bus, create] An HTTP request for a plugin whose process has no network
   * service (the daemon's: a calendar subscription, a feed). The worker
   * performs it with its http() service — same request JSON, same checks
   * and limits (TLS, plain HTTP only to loopback, 16 MiB) — and fn is called
   * later, exactly once, on this process's bus thread, with the status and
   * response http() returned. A worker that dies mid-request is restarted
   * and the request sent again (so use it for reads: GET). Returns a
   * non-zero id, or 0 if the request is not a JSON object with a string
   * "url" (fn is then never called). fn is not called after fetch_cancel(id)
   * or once the plugin is stopped. NULL where the process offers no fetch
   * (the worker and clients have http(); the daemon without a worker). */
  uint64_t (*fetch)(const struct dt_host *host, const char *request_json, dt_fetch_fn fn, void *user);
  /* [bus, create] Forgets a fetch whose fn has not run yet; no-op otherwise. */
  void (*fetch_cancel)(const struct dt_host *host, uint64_t fetch_id);
} dt_host;

/* Whether `host` offers `member`: within the struct the host filled in
 * (struct_size) and not NULL in this process. [any-thread] */
#define DT_HOST_HAS(host, member)                                                        \
  ((host)->struct_size >= offsetof(dt_host, member) + sizeof(((dt_host *)0)->member) && \
   (host)->member != NULL)

/* ------------------------------------------------------------------------ */
/* Interfaces, one per kind, returned by get_interface(self, ID).           */
/* Every function takes the instance pointer returned by create().          */

/* Trigger: watches something and publishes trigger.* events. */
#define DEVTRACK_TRIGGER_V1 "devtrack.trigger.v1"
typedef struct dt_trigger_v1 {
  /* [bus] Begin publishing. Called once after create(). */
  dt_status (*start)(void *self, const dt_out *error);
  /* [bus] Stop publishing; called before destroy() and on pause. */
  void (*stop)(void *self);
  /* [bus] A control command from the user, e.g. {"command": "pause",
   * "until_ms": 1735000000000} or {"command": "set-interval", "seconds":
   * 5400}. May be NULL. DT_UNSUPPORTED for commands it does not know. */
  dt_status (*control)(void *self, const char *command_json, const dt_out *out);
} dt_trigger_v1;

/* Surface: shows a prompt to the user. */
#define DEVTRACK_SURFACE_V1 "devtrack.surface.v1"
typedef struct dt_surface_v1 {
  /* [bus] Whether the surface can reach the user right now (a terminal, a
   * desktop session...). Must be fast. */
  bool (*available)(void *self);
  /* [bus] Shows a prompt ({"id", "question", "context", "suggestion", ...}).
   * Either answers at once — DT_OK with {"action": "answer", "text": "..."},
   * {"action": "skip"} or {"action": "defer", "seconds": 1800} in `out` — or
   * returns DT_PENDING and later publishes prompt.answer / prompt.skip /
   * prompt.defer with {"prompt_id": ...}. A client surface (tty) may block.
   * While a prompt it returned DT_PENDING for is open, the host may call
   * show() again for the same "id" with "update": true and what is known now
   * (a commit's subject the worker read later, a commit that joined): replace
   * what is shown in place and reply once, as for the first show; a surface
   * that cannot replace returns DT_OK with an empty `out` and keeps the first. */
  dt_status (*show)(void *self, const char *prompt_json, const dt_out *out);
  /* [bus] Withdraws a prompt answered elsewhere or expired. May be NULL. */
  void (*withdraw)(void *self, const char *prompt_id);
} dt_surface_v1;

/* Parser: free-text answer -> structured activity. */
#define DEVTRACK_PARSER_V1 "devtrack.parser.v1"
typedef struct dt_parser_v1 {
  /* [any-thread] Parses `text` given `context_json` ({"repo", "branch",
   * "slug", "projects": [...], and from ABI 1.1 "trackers": [{"id", "name",
   * "enabled", "tickets": <the tracker's descriptor.tickets>}]}) and writes
   * {"tickets": [...], "project": id|null, "duration_minutes": n|null,
   * "status": ...|null, "confidence": 0..1}. Each ticket is {"tracker": id,
   * "show": the tracker's show template, and the matched fields}. A
   * reference that fits several trackers equally well is not guessed: it
   * goes to "ambiguous_tickets": [{"text", "choices": [ticket, ...]}].
   * A context without "trackers" comes from a 1.0 host. Must be
   * thread-safe and must accept any bytes. */
  dt_status (*parse)(void *self, const char *text, const char *context_json, const dt_out *out);
} dt_parser_v1;

/* Tracker: a thin mapper onto an issue tracker; the host owns retries. */
#define DEVTRACK_TRACKER_V1 "devtrack.tracker.v1"
typedef struct dt_tracker_v1 {
  /* [blocking] Ticket lookup: in {"ticket": {...}}, out {"title", "state",
   * "url", "assignee"}. DT_NOT_FOUND if it does not exist. */
  dt_status (*resolve)(void *self, const char *request_json, const dt_out *out);
  /* [blocking] Posts an update: in {"kind": "comment"|"worklog", "ticket",
   * "body", "minutes", "started_at_ms" (when it was answered), "started_ms"
   * (when the work began, or null), "idempotency_key"}, out
   * {"remote_id": "..."}. */
  dt_status (*post)(void *self, const char *update_json, const dt_out *out);
  /* [blocking] Looks for an earlier post of update.idempotency_key: DT_OK
   * with {"remote_id"} or DT_NOT_FOUND. Called before re-posting an update
   * whose earlier outcome is unknown. */
  dt_status (*find)(void *self, const char *update_json, const dt_out *out);
  /* [blocking] Edits an earlier post: in {"update": {...}, "remote_id"}.
   * May be NULL where the tracker cannot edit. */
  dt_status (*amend)(void *self, const char *request_json, const dt_out *out);
  /* [blocking] Moves a ticket to a workflow state: in {"ticket", "status",
   * "update"} (status as parsed: "done", "in progress", "blocked"; the
   * plugin maps it through its own options).
   * May be NULL where the tracker has no workflow. */
  dt_status (*transition)(void *self, const char *request_json, const dt_out *out);
  /* [blocking] Open tickets assigned to the user: out {"tickets": [{"ticket",
   * "title", "url", "state"}]}. */
  dt_status (*list_assigned)(void *self, const char *request_json, const dt_out *out);
} dt_tracker_v1;

/* Sink: delivers the end-of-day summary or the standup. */
#define DEVTRACK_SINK_V1 "devtrack.sink.v1"
typedef struct dt_sink_v1 {
  /* [blocking] Delivers one outbox row: {"what": "summary"|"standup",
   * "date", "markdown", "recipient", "idempotency_key", "check_first"} —
   * the text the user confirmed, for one recipient (a sink that declares a
   * list option "to" gets a row per address of its "to" and "cc", each
   * retried on its own; any other sink one row with "recipient": null).
   * "check_first": true when an earlier attempt may have arrived: look for
   * a delivery carrying idempotency_key first and return it rather than
   * deliver twice. Out: {"remote_id"}. ("what" and "check_first" came
   * later in 1.1: absent, read them as "summary" and false.) */
  dt_status (*deliver)(void *self, const char *summary_json, const dt_out *out);
} dt_sink_v1;

/* Sync (ABI 1.2): moves this device's sealed segments to a remote the
 * user's devices share and brings the others' back (docs/sync.md). The
 * host seals (encrypts) and opens them: the plugin sees only opaque files
 * with opaque names. */
#define DEVTRACK_SYNC_V1 "devtrack.sync.v1"
typedef struct dt_sync_v1 {
  /* [blocking] One exchange. In: {"remote": URL, "branch", "dir": a
   * directory the host gives the plugin (its state, e.g. a clone, lives
   * there), "device_dir": this device's folder on the remote, "since": the
   * "head" of the last exchange whose incoming files the host took in ("" for
   * none)}. Files to send wait in DIR/out/ (each sent once, under
   * device_dir/, never rewritten; the plugin removes it from out/ once the
   * remote has it); every file the remote gained since `since` outside
   * device_dir is written to DIR/in/ under its name. Out: {"head": what the
   * remote holds now, "pushed": [names], "incoming": [names]}. DT_RETRY when
   * the remote cannot be reached (the host tries later), DT_AUTH when it
   * refuses the credentials. */
  dt_status (*exchange)(void *self, const char *request_json, const dt_out *out);
} dt_sync_v1;

/* Doctor: optional for every kind. `devtrack doctor` asks each running
 * plugin that has it for its own checks (a token that works, a notification
 * server that answers...). */
#define DEVTRACK_DOCTOR_V1 "devtrack.doctor.v1"
typedef struct dt_doctor_v1 {
  /* [bus] Writes {"checks": [{"name": "...", "ok": true|false, "detail":
   * "...", "fix": "..." | null}]}. Must answer within a few seconds. */
  dt_status (*check)(void *self, const dt_out *out);
} dt_doctor_v1;

/* ------------------------------------------------------------------------ */
/* The descriptor and the entry symbol.                                     */

typedef struct dt_plugin_descriptor {
  /* These three come first, in this order, in every ABI version. */
  uint32_t abi_major;   /* DEVTRACK_ABI_MAJOR the plugin was built with */
  uint32_t abi_minor;   /* DEVTRACK_ABI_MINOR the plugin was built with */
  uint32_t struct_size; /* sizeof(dt_plugin_descriptor) as built         */

  const char *id;          /* unique, [a-z0-9][a-z0-9_-]*, e.g. "github"     */
  const char *name;        /* human name, e.g. "GitHub Issues"               */
  const char *version;     /* the plugin's own version, e.g. "1.2.0"         */
  dt_kind kind;            /* DT_KIND_*                                      */
  dt_runs_in runs_in;      /* DT_RUNS_IN_*                                   */
  const char *description; /* one or two sentences                           */
  const dt_option *options; /* table ending with an entry whose name is NULL;
                               may be NULL for no options                    */

  /* [bus] Creates an instance. `host` stays valid until destroy() returns.
   * `config_json` is the plugins.<id> object from the config with defaults
   * applied (durations in seconds, secrets still as references). Returns
   * the instance, or NULL after writing the reason to `error`. Must not
   * throw or abort on bad options. */
  void *(*create)(const dt_host *host, const char *config_json, const dt_out *error);

  /* [bus] Destroys an instance. The host has already removed its
   * subscriptions, timers and watches. */
  void (*destroy)(void *self);

  /* [any-thread] Returns the interface struct for `interface_id` (e.g.
   * DEVTRACK_TRACKER_V1), or NULL. The pointer is owned by the plugin and
   * stays valid until destroy(). */
  const void *(*get_interface)(void *self, const char *interface_id);

  /* ---- ABI 1.1: a 1.0 plugin's descriptor ends above; the host reads this
   * field as NULL for it. */

  /* Trackers only; NULL for none. The ticket references this tracker
   * understands and how one of its tickets is shown: JSON text in static
   * storage, for example
   *   {"show": "{repo}#{number}",
   *    "text": ["{repo}#{number}", "#{number}"],
   *    "urls": [{"host": "*", "path": "/{repo}/issues/{number}"}],
   *    "branch": ["issue-{number}"]}
   * The placeholders ({number}, {key}, {repo}, {name:id}...) are defined in
   * devtrack/tickets.hpp and docs/plugin-authoring.md, "Ticket syntax". The
   * host reads it without calling create(), refuses the plugin when it is
   * malformed, and hands it to every parser in its context ("trackers"); a
   * ticket a parser finds carries this plugin's id ("tracker") and the
   * fields its placeholders matched, and is posted to this plugin. */
  const char *tickets;
} dt_plugin_descriptor;

/* The one symbol a plugin exports. [any-thread] Returns a pointer to a
 * descriptor in static storage; it may be called more than once. */
typedef const dt_plugin_descriptor *(*dt_plugin_entry_fn)(void);
#define DEVTRACK_ENTRY_SYMBOL "devtrack_plugin_entry"
DEVTRACK_EXPORT const dt_plugin_descriptor *devtrack_plugin_entry(void);

#ifdef __cplusplus
}
#endif

#endif /* DEVTRACK_PLUGIN_H */

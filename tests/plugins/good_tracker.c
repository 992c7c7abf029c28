/* A tracker plugin written in plain C99 against plugin.h: the test that the
 * header is valid C (built with -std=c99 -pedantic -Werror) and the plugin
 * the host tests drive through the real loader and bus. It answers
 * "test.ping" with "test.pong" and keeps a counter in the key/value store. */
#include <devtrack/plugin.h>

#ifndef GOOD_TRACKER_ID
#define GOOD_TRACKER_ID "good-tracker"
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct good {
  const dt_host *host;
  uint64_t subscription;
  int pings;
} good;

static void write_text(const dt_out *out, const char *text) {
  if (out && out->write) out->write(out, text, strlen(text));
}

static void on_ping(void *user, const char *topic, const char *payload) {
  good *self = (good *)user;
  char buf[64];
  (void)topic;
  (void)payload;
  self->pings++;
  sprintf(buf, "%d", self->pings);
  self->host->kv_set(self->host, "pings", buf);
  self->host->publish(self->host, "test.pong", "{\"from\":\"good-tracker\"}");
}

static dt_status resolve(void *self, const char *request, const dt_out *out) {
  (void)self;
  (void)request;
  write_text(out, "{\"title\":\"Good ticket\",\"state\":\"open\",\"url\":null,\"assignee\":null}");
  return DT_OK;
}

static dt_status post(void *self, const char *update, const dt_out *out) {
  (void)self;
  (void)update;
  write_text(out, "{\"remote_id\":\"1\"}");
  return DT_OK;
}

static dt_status find(void *self, const char *update, const dt_out *out) {
  (void)self;
  (void)update;
  (void)out;
  return DT_NOT_FOUND;
}

static dt_status list_assigned(void *self, const char *request, const dt_out *out) {
  (void)self;
  (void)request;
  write_text(out, "{\"tickets\":[]}");
  return DT_OK;
}

static const dt_tracker_v1 tracker = {resolve, post, find, NULL, NULL, list_assigned};

static void *create(const dt_host *host, const char *config_json, const dt_out *error) {
  good *self;
  if (strstr(config_json, "\"fail\":true")) {
    write_text(error, "{\"message\":\"told to fail by its options\"}");
    return NULL;
  }
  self = (good *)calloc(1, sizeof *self);
  if (!self) return NULL;
  self->host = host;
  self->subscription = host->subscribe(host, "test.ping", on_ping, self);
  host->log(host, DT_LOG_INFO, "good-tracker created");
  return self;
}

static void destroy(void *self) { free(self); }

static const void *get_interface(void *self, const char *id) {
  (void)self;
  return strcmp(id, DEVTRACK_TRACKER_V1) == 0 ? &tracker : NULL;
}

static const dt_option options[] = {
    {"fail", DT_OPT_BOOL, "false", "Refuse to start (for tests)."},
    {"greeting", DT_OPT_STRING, "\"hi\"", "A string option."},
    {"interval", DT_OPT_DURATION, "\"15m\"", "A duration option."},
    {"limit", DT_OPT_INT, "10", "An integer option."},
    {"token", DT_OPT_SECRET, NULL, "A secret option."},
    {"base_url", DT_OPT_URL, NULL, "A URL option."},
    {"labels", DT_OPT_LIST, NULL, "A list option."},
    {NULL, 0, NULL, NULL},
};

/* ABI 1.1: the ticket syntax (built against the 1.0 header, it has none). */
#if DEVTRACK_ABI_MINOR >= 1
#ifdef BAD_TICKETS
#define TICKETS "{\"show\": \"GOOD-{number\", \"text\": [\"GOOD-{number}\"]}"
#else
#define TICKETS "{\"show\": \"GOOD-{number}\", \"text\": [\"GOOD-{number}\"]}"
#endif
#endif

static const dt_plugin_descriptor descriptor = {
    DEVTRACK_ABI_MAJOR, DEVTRACK_ABI_MINOR, sizeof(dt_plugin_descriptor),
    GOOD_TRACKER_ID, "Good Tracker", "1.0.0", DT_KIND_TRACKER, DT_RUNS_IN_WORKER,
    "A C99 tracker for the host's tests.", options, create, destroy, get_interface,
#if DEVTRACK_ABI_MINOR >= 1
    TICKETS,
#endif
};

/* The refusal tests build this file again with BROKEN set, each breaking
 * the descriptor in one way. */
#ifndef BROKEN
#define BROKEN 0
#endif

DEVTRACK_EXPORT const dt_plugin_descriptor *devtrack_plugin_entry(void) {
  static dt_plugin_descriptor d;
  d = descriptor;
  switch (BROKEN) {
    case 1: d.abi_major = 99; break;                     /* other major   */
    case 2: d.abi_minor = DEVTRACK_ABI_MINOR + 1; break; /* newer minor   */
    case 3: d.struct_size = 8; break;                    /* truncated     */
    case 4: d.id = "Bad Id"; break;                      /* malformed id  */
    case 5: d.kind = 42; break;                          /* unknown kind  */
    case 6: d.create = NULL; break;                      /* no create     */
    case 7: return NULL;                                 /* no descriptor */
    default: break;
  }
  return &d;
}

/* A worker plugin that crashes the worker on purpose, once: the first
 * "git.read" it sees aborts the process (after noting in the key/value store
 * that it did). The daemon must log the crash, restart the worker with
 * backoff, and lose nothing. */
#include <devtrack/plugin.h>
#include <stdlib.h>
#include <string.h>

typedef struct crashy {
  const dt_host *host;
} crashy;

static bool ignore(const dt_out *out, const char *data, size_t len) {
  (void)out;
  (void)data;
  (void)len;
  return true;
}

static void on_read(void *user, const char *topic, const char *payload) {
  crashy *self = (crashy *)user;
  dt_out out = {NULL, ignore};
  (void)topic;
  (void)payload;
  if (self->host->kv_get(self->host, "crashed", &out) == DT_OK) return;
  self->host->kv_set(self->host, "crashed", "yes");
  abort();
}

static dt_status start(void *self, const dt_out *error) {
  (void)self;
  (void)error;
  return DT_OK;
}
static void stop(void *self) { (void)self; }
static const dt_trigger_v1 trigger = {start, stop, NULL};

static void *create(const dt_host *host, const char *config_json, const dt_out *error) {
  crashy *self = (crashy *)calloc(1, sizeof *self);
  (void)config_json;
  (void)error;
  self->host = host;
  host->subscribe(host, "git.read", on_read, self);
  return self;
}
static void destroy(void *self) { free(self); }
static const void *get_interface(void *self, const char *id) {
  (void)self;
  return strcmp(id, DEVTRACK_TRIGGER_V1) == 0 ? &trigger : NULL;
}

static const dt_plugin_descriptor descriptor = {
    DEVTRACK_ABI_MAJOR, DEVTRACK_ABI_MINOR, sizeof(dt_plugin_descriptor),
    "crashy", "Crashy", "1.0.0", DT_KIND_TRIGGER, DT_RUNS_IN_WORKER,
    "Crashes the worker once, for the tests.", NULL, create, destroy, get_interface,
    NULL, /* tickets: not a tracker */
};

DEVTRACK_EXPORT const dt_plugin_descriptor *devtrack_plugin_entry(void) { return &descriptor; }

// Fuzzes how the trackers (github, jira Cloud and Server, trello, gitea)
// read a server's replies:
// each plugin is driven through its devtrack.tracker.v1 table, as the
// worker drives the .so, by a host whose HTTP service answers with replies
// made from the input. Input layout:
//   byte 0: which plugin (% 5) and which method (/ 5 % 6)
//   then one reply per NUL-separated chunk:
//     byte 0: the status (kStatus[b % N]), byte 1: which headers to send
//     (bit 0 retry-after, bit 1 a spent rate limit + reset, bit 2 link),
//     then the header value up to '\n', then the body.
// When the replies run out, the transport fails (DT_RETRY), as a dead
// server would. Properties: every call ends with a known status, and
// writes JSON (a result on DT_OK, {"message"} on an error).
#include <nlohmann/json.hpp>

#include "fuzz_support.h"

using nlohmann::json;

extern "C" const dt_plugin_descriptor* github_plugin_entry(void);
extern "C" const dt_plugin_descriptor* jira_plugin_entry(void);
extern "C" const dt_plugin_descriptor* trello_plugin_entry(void);
extern "C" const dt_plugin_descriptor* gitea_plugin_entry(void);

namespace {

const int kStatus[] = {200, 201, 204, 301, 400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 503, 0, 99, 999};

// The replies the fake server gives, in order.
struct Server {
  std::vector<std::string> chunks;
  size_t next = 0;

  dt_status answer(const std::string& request, std::string& response) {
    FUZZ_CHECK(json::accept(request), request);  // what a plugin sends is JSON
    if (next >= chunks.size()) {
      response = "connection refused";
      return DT_RETRY;
    }
    response = reply(chunks[next++]);
    return DT_OK;
  }

  // {"status", "headers", "body"} the way core/worker/http_curl.cc writes it:
  // bytes that are not UTF-8 are replaced, not thrown on.
  static std::string reply(const std::string& chunk) {
    uint8_t status = chunk.size() > 0 ? chunk[0] : 0, which = chunk.size() > 1 ? chunk[1] : 0;
    auto rest = fuzz::split(chunk.size() > 2 ? std::string_view(chunk).substr(2) : "", '\n', 2);
    std::string value = rest[0], body = rest.size() > 1 ? rest[1] : "";
    json headers = json::object();
    if (which & 1) headers["retry-after"] = value;
    if (which & 2) {
      headers["x-ratelimit-remaining"] = "0";
      headers["x-ratelimit-reset"] = value;
    }
    if (which & 4) headers["link"] = value;
    json r = {{"status", kStatus[status % std::size(kStatus)]}, {"headers", headers}, {"body", body}};
    return r.dump(-1, ' ', false, json::error_handler_t::replace);
  }
};

struct Tracker {
  const char* id;
  const dt_plugin_descriptor* (*entry)();
  const char* config;
  const char* ticket;
};

const Tracker kTrackers[] = {
    {"github", github_plugin_entry, R"({"token": "env:GH_TOKEN", "base_url": "https://api.github.com"})",
     R"({"system": "github", "repo": "acme/widgets", "number": 12})"},
    {"jira", jira_plugin_entry,
     R"({"base_url": "https://acme.atlassian.net", "email": "me@acme.test", "token": "env:JIRA_API_TOKEN",
         "transitions": {"done": "Done"}, "settings": {"timezone": "Europe/Berlin"}})",
     R"({"system": "jira", "key": "BILL-7"})"},
    {"trello", trello_plugin_entry, R"({"key": "env:TRELLO_API_KEY", "token": "env:TRELLO_TOKEN"})",
     R"({"system": "trello", "card": "aBcD1234"})"},
    {"gitea", gitea_plugin_entry, R"({"token": "env:GITEA_TOKEN", "base_url": "https://codeberg.org/api/v1"})",
     R"({"tracker": "gitea", "repo": "acme/widgets", "number": 12})"},
    {"jira", jira_plugin_entry,
     R"({"api": "server", "base_url": "https://jira.acme.test", "token": "env:JIRA_API_TOKEN",
         "transitions": {"done": "Done"}, "settings": {"timezone": "Europe/Berlin"}})",
     R"({"system": "jira", "key": "BILL-7"})"},
};

// The request each method gets, as the outbox builds it.
std::string request_for(int method, const Tracker& t, bool worklog) {
  json ticket = json::parse(t.ticket);
  json update = {{"ticket", ticket},
                 {"text", "fixed the login redirect"},
                 {"minutes", 30},
                 {"status", "done"},
                 {"kind", worklog ? "worklog" : "comment"},
                 {"idempotency_key", "a1b2c3"},
                 {"commits", json::array({{{"commit", "3f2a1b0c9d8e7f60"}, {"summary", "fix"}}})}};
  switch (method) {
    case 0: return json{{"ticket", ticket}}.dump();
    case 3: return json{{"remote_id", "12345"}, {"update", update}}.dump();
    case 4: return json{{"ticket", ticket}, {"status", "done"}}.dump();
    case 5: return "{}";
    default: return update.dump();
  }
}

dt_status call(const dt_tracker_v1& table, int method, void* self, const std::string& in, const dt_out* out) {
  auto fn = method == 0   ? table.resolve
            : method == 1 ? table.post
            : method == 2 ? table.find
            : method == 3 ? table.amend
            : method == 4 ? table.transition
                          : table.list_assigned;
  return fn(self, in.c_str(), out);
}

void check_outcome(dt_status s, const std::string& out) {
  bool known = s == DT_OK || s == DT_NOT_FOUND || s == DT_RETRY || s == DT_PERMANENT || s == DT_AUTH ||
               s == DT_UNSUPPORTED || s == DT_INVALID;
  FUZZ_CHECK(known, "status " + std::to_string(s));
  if (s == DT_NOT_FOUND) return;
  json j = json::parse(out, nullptr, false);
  FUZZ_CHECK(j.is_object(), "status " + std::to_string(s) + " wrote: " + out);
  if (s != DT_OK) FUZZ_CHECK(j.contains("message") && j["message"].is_string(), out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return -1;
  constexpr int kCount = static_cast<int>(std::size(kTrackers));
  const Tracker& t = kTrackers[data[0] % kCount];
  int method = data[0] / kCount % 6;
  bool worklog = data[0] >= 128;  // jira posts worklogs as well as comments
  Server server{fuzz::split(fuzz::bytes(data + 1, size - 1), '\0', 64)};
  if (size == 1) server.chunks.clear();
  fuzz::Host host(t.id, [&](const std::string& rq, std::string& rs) { return server.answer(rq, rs); });
  fuzz::Instance instance(t.entry(), &host.raw, t.config);
  fuzz::StringOut out;
  dt_status s = call(*instance.table<dt_tracker_v1>(DEVTRACK_TRACKER_V1), method, instance.self(),
                     request_for(method, t, worklog), &out.out);
  check_outcome(s, out.text);
  return 0;
}

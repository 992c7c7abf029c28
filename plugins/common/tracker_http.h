// What the bundled trackers (github, jira, trello) share: a JSON request
// through the host's HTTP service, and the reading of its reply — a 2xx
// body as JSON, anything else thrown as the SDK's one HTTP error policy
// (throw_for_http_status) with the tracker's own message and Retry-After.
// The trackers themselves only map their API.
#pragma once

#include <devtrack/sdk.hpp>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

namespace devtrack::trackers {

using nlohmann::json;

// Sends `request` ({"method", "url", "headers", ...}) with `body` as its
// JSON body (none when null); returns the host's {"status", "headers", "body"}.
inline json send_json(const sdk::Host& host, json request, const json& body) {
  if (!body.is_null()) {
    request["body"] = body.dump();
    request["headers"]["Content-Type"] = "application/json";
  }
  return json::parse(host.http(request.dump()));
}

inline bool succeeded(const json& response) {
  int status = response.value("status", 0);
  return status >= 200 && status < 300;
}

// Longest wait a server can ask for: a Retry-After of decades would park
// an update for good (the worker caps what any plugin asks too).
constexpr int kMaxRetryAfterS = 3600;

// The server's Retry-After (delta-seconds) in seconds, capped at
// kMaxRetryAfterS; -1 without one (or an HTTP-date, which we do not read).
inline int retry_after_s(const json& response) {
  const json& h = response.value("headers", json::object());
  if (!h.contains("retry-after") || !h["retry-after"].is_string()) return -1;
  const std::string& text = h["retry-after"].get_ref<const std::string&>();
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (end == text.c_str() || v < 0) return -1;
  return static_cast<int>(std::min<long long>(v, kMaxRetryAfterS));
}

// A successful reply's body as JSON ({} when empty); a body that is not
// JSON is retried later. `tracker` names the server in that message.
inline json body_json(const json& response, const std::string& tracker) {
  std::string text = response.value("body", "");
  if (text.empty()) return json::object();
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) throw sdk::Error(DT_RETRY, tracker + " sent a reply that is not JSON");
  return parsed;
}

}  // namespace devtrack::trackers

// The network host services of the worker. HTTP (dt_host.http), in the worker only: libcurl with
// certificate verification always on, an optional CA file, proxies from the
// environment, timeouts, a response size limit, plain HTTP only to
// loopback addresses unless network.allow_http is set, and URLs redacted in
// logs. Request/response shapes: plugin.h.
#pragma once

#include <devtrack/plugin.h>

#include <chrono>
#include <string>

namespace devtrack {

struct HttpSettings {
  std::string ca_file;          // "" = the system's CAs
  bool allow_http = false;      // plain HTTP beyond loopback
  std::chrono::seconds timeout{30};
  size_t max_response_bytes = 16u << 20;
};

// Performs one request. DT_OK with {"status", "headers", "body"} for any
// HTTP answer; DT_RETRY for transport failures; DT_PERMANENT / DT_INVALID
// for requests that can never work (bad URL, plain HTTP refused, TLS).
dt_status http_request(const HttpSettings& settings, const std::string& request_json, std::string* out);

// Installs `settings` as what the dt_host http callback uses in this process
// and returns that callback.
using HttpCallback = dt_status (*)(const dt_host*, const char*, const dt_out*);
HttpCallback http_service(const HttpSettings& settings);

// The SMTP service (smtp_curl.cc): sends one message. DT_AUTH when the
// login is refused, DT_RETRY for transport failures and 4xx replies,
// DT_PERMANENT for 5xx, TLS trust and refused plain SMTP.
dt_status smtp_send(const HttpSettings& settings, const std::string& request_json, std::string* error);
HttpCallback smtp_service(const HttpSettings& settings);

// True for 127.0.0.0/8, ::1 and localhost.
bool is_loopback_host(const std::string& host);

}  // namespace devtrack

#include <arpa/inet.h>
#include <curl/curl.h>
#include <string.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string_view>

#include "log/log.h"
#include "worker/http.h"

using nlohmann::json;

namespace devtrack {

namespace {

HttpSettings g_settings;  // set once at worker start, read after

struct Collected {
  std::string body;
  json headers = json::object();
  size_t limit = 0;
  bool too_large = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Collected*>(user);
  if (c->body.size() + size * n > c->limit) {
    c->too_large = true;
    return 0;  // aborts the transfer
  }
  c->body.append(data, size * n);
  return size * n;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* c = static_cast<Collected*>(user);
  std::string line(data, size * n);
  size_t colon = line.find(':');
  if (colon != std::string::npos) {
    std::string key = line.substr(0, colon);
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char ch) { return std::tolower(ch); });
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
    c->headers[key] = value;
  } else if (line.rfind("HTTP/", 0) == 0) {
    c->headers = json::object();  // a new response (after a redirect or 100)
  }
  return size * n;
}

std::string host_of(const std::string& url) {
  size_t start = url.find("://");
  if (start == std::string::npos) return "";
  start += 3;
  size_t end = url.find_first_of("/?#", start);
  std::string authority = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  authority = authority.substr(authority.find('@') == std::string::npos ? 0 : authority.find('@') + 1);
  if (!authority.empty() && authority[0] == '[') return authority.substr(1, authority.find(']') - 1);
  return authority.substr(0, authority.find(':'));
}

// A path segment that reads like a credential: a calendar subscription's
// "private-3f9a...", an Outlook feed's hex id. 16 characters or more with
// letters and digits both; names people choose rarely are.
bool secret_like(std::string_view segment) {
  if (segment.size() < 16) return false;
  bool letter = false, digit = false;
  for (char c : segment) {
    letter = letter || std::isalpha(static_cast<unsigned char>(c));
    digit = digit || std::isdigit(static_cast<unsigned char>(c));
  }
  return letter && digit;
}

// "https://api.github.com/repos/acme/x/issues?access_token=..." -> no
// query; "https://calendar.example/private-0123abcd.../basic.ics" -> its
// secret-looking segments as "...". A URL in a log line or an error says
// where, never how to get in.
std::string loggable(const std::string& url) {
  std::string bare = url.substr(0, url.find('?'));
  size_t scheme = bare.find("://");
  size_t path = bare.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return log::redact(bare);
  std::string out = bare.substr(0, path);
  for (size_t at = path; at < bare.size();) {
    size_t next = bare.find('/', at + 1);
    size_t end = next == std::string::npos ? bare.size() : next;
    std::string_view segment = std::string_view(bare).substr(at + 1, end - at - 1);
    out += "/" + (secret_like(segment) ? std::string("...") : std::string(segment));
    at = end;
  }
  return log::redact(out);
}

}  // namespace

// An address, not a name that looks like one: "127.example.com" is any
// host on the internet, and plain HTTP to it would carry the token.
bool is_loopback_host(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4;
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6;
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

namespace {

// Only http(s), and plain HTTP only to loopback unless network.allow_http.
dt_status check_url(const HttpSettings& settings, const std::string& url, std::string* out) {
  if (url.rfind("https://", 0) == 0) return DT_OK;
  if (url.rfind("http://", 0) != 0) {
    *out = "only http(s) URLs are allowed: " + loggable(url);
    return DT_INVALID;
  }
  if (!settings.allow_http && !is_loopback_host(host_of(url))) {
    *out = "plain HTTP to " + host_of(url) +
           " is refused: use https, or set network.allow_http: true (shown by devtrack status)";
    return DT_PERMANENT;
  }
  return DT_OK;
}

// What a request holds for the time of its transfer: libcurl keeps
// pointers to these strings. The credentials are resolved secrets: no
// copy is left in freed memory.
struct Transfer {
  std::string url, method, body, user, password;
  curl_slist* headers = nullptr;
  Collected collected;
  ~Transfer() {
    curl_slist_free_all(headers);
    explicit_bzero(password.data(), password.size());
    explicit_bzero(user.data(), user.size());
  }
};

void set_request(CURL* curl, const json& req, Transfer& t) {
  if (req.contains("headers") && req["headers"].is_object())
    for (const auto& [k, v] : req["headers"].items())
      if (v.is_string()) t.headers = curl_slist_append(t.headers, (k + ": " + v.get<std::string>()).c_str());
  t.body = req.contains("body") && req["body"].is_string() ? req["body"].get<std::string>() : "";
  curl_easy_setopt(curl, CURLOPT_URL, t.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, t.method.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, t.headers);
  if (t.method != "GET" && t.method != "HEAD") {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, t.body.c_str());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(t.body.size()));
  }
  if (t.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  // Basic auth by libcurl (it encodes; the password is a secret the plugin
  // resolved and is in the log redaction).
  if (req.contains("basic_auth") && req["basic_auth"].is_object()) {
    t.user = req["basic_auth"].value("user", "");
    t.password = req["basic_auth"].value("password", "");
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, t.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, t.password.c_str());
  }
}

void set_transport(CURL* curl, const HttpSettings& settings, long timeout, Collected* c) {
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!settings.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, std::min<long>(timeout, 15));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, c);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, c);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "devtrack/" DEVTRACK_VERSION);
}

}  // namespace

dt_status http_request(const HttpSettings& settings, const std::string& request_json, std::string* out) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  json req = json::parse(request_json, nullptr, false);
  if (!req.is_object() || !req.contains("url") || !req["url"].is_string()) {
    *out = "the request needs a \"url\"";
    return DT_INVALID;
  }
  Transfer t;
  t.url = req["url"];
  t.method = req.value("method", "GET");
  if (dt_status st = check_url(settings, t.url, out); st != DT_OK) return st;
  CURL* curl = curl_easy_init();
  if (!curl) {
    *out = "cannot initialise libcurl";
    return DT_RETRY;
  }
  t.collected.limit = settings.max_response_bytes;
  set_request(curl, req, t);
  set_transport(curl, settings, req.value("timeout_s", static_cast<long>(settings.timeout.count())), &t.collected);
  auto start = std::chrono::steady_clock::now();
  CURLcode rc = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  const std::string& url = t.url;
  const std::string& method = t.method;
  if (t.collected.too_large) {
    *out = "the response from " + loggable(url) + " is larger than " + std::to_string(settings.max_response_bytes) +
           " bytes";
    return DT_PERMANENT;
  }
  if (rc != CURLE_OK) {
    std::string why = curl_easy_strerror(rc);
    log::warn("http", "{} {}: {} after {} ms", method, loggable(url), why, ms);
    bool tls = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_CONNECT_ERROR;
    *out = method + " " + loggable(url) + ": " + why +
           (tls ? " (the server's certificate is not trusted: see network.ca_file)" : "");
    return tls ? DT_PERMANENT : DT_RETRY;
  }
  log::debug("http", "{} {} -> {} in {} ms", method, loggable(url), status, ms);
  *out = json{{"status", status}, {"headers", t.collected.headers}, {"body", t.collected.body}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
  return DT_OK;
}

HttpCallback http_service(const HttpSettings& settings) {
  g_settings = settings;
  return [](const dt_host*, const char* request, const dt_out* out) -> dt_status {
    std::string response;
    dt_status s = http_request(g_settings, request ? request : "", &response);
    if (out && out->write) out->write(out, response.data(), response.size());
    return s;
  };
}

}  // namespace devtrack

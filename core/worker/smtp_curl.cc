// The SMTP host service (dt_host.smtp), in the worker only, on libcurl:
// STARTTLS or implicit TLS with certificate verification always on, a CA
// file, AUTH with a password given as a secret reference (resolved here,
// so the plugin never holds it), and plain SMTP only to a loopback host
// unless the request opts in. The message is built here with libcurl's
// MIME API: multipart/alternative text + HTML, quoted-printable, with Date,
// Message-ID and an RFC 2047 encoded Subject. Request shape: plugin.h.
#include <curl/curl.h>
#include <sodium.h>
#include <time.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>

#include "log/log.h"
#include "secret/secret.h"
#include "worker/http.h"

using nlohmann::json;

namespace devtrack {

namespace {

HttpSettings g_smtp_settings;

// A header value as RFC 2047 wants it when it is not plain ASCII.
std::string encoded_word(const std::string& text) {
  bool ascii = std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (ascii) return text;
  std::string b64(sodium_base64_ENCODED_LEN(text.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(b64.data(), b64.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  b64.resize(std::strlen(b64.c_str()));
  return "=?UTF-8?B?" + b64 + "?=";
}

std::string rfc5322_date(int64_t ms) {
  time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&t, &tm);
  static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
                months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string address_list(const json& list) {
  std::string out;
  if (list.is_array())
    for (const auto& a : list)
      if (a.is_string()) out += (out.empty() ? "" : ", ") + a.get<std::string>();
  return out;
}

// Header lines must not carry line breaks a caller slipped in.
bool one_line(const std::string& s) { return s.find_first_of("\r\n") == std::string::npos; }

// What a failed transfer means for the outbox.
dt_status status_of(CURLcode rc, long reply) {
  if (rc == CURLE_LOGIN_DENIED) return DT_AUTH;
  if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_USE_SSL_FAILED)
    return DT_PERMANENT;
  if (reply >= 500 && reply < 600) return reply == 535 ? DT_AUTH : DT_PERMANENT;  // the server said no for good
  return DT_RETRY;  // connect, DNS, timeouts, 4xx: later
}

// The request's fields that must be there and be one line; "" when fine.
std::string request_problem(const json& req) {
  if (!req.is_object() || !req.contains("host") || !req.contains("from") || !req.contains("rcpt") ||
      !req["rcpt"].is_array() || req["rcpt"].empty() || !req.contains("text"))
    return "the SMTP request needs host, from, rcpt and text";
  for (const char* field : {"from", "subject", "message_id"})
    if (!one_line(req.value(field, ""))) return std::string(field) + " must be one line";
  return "";
}

curl_slist* message_headers(const json& req) {
  curl_slist* headers = nullptr;
  int64_t now_ms = req.value("date_ms", int64_t{0});
  if (!now_ms) now_ms = static_cast<int64_t>(::time(nullptr)) * 1000;
  headers = curl_slist_append(headers, ("Date: " + rfc5322_date(now_ms)).c_str());
  headers = curl_slist_append(headers, ("From: " + req["from"].get<std::string>()).c_str());
  if (!address_list(req.value("to", json())).empty())
    headers = curl_slist_append(headers, ("To: " + address_list(req["to"])).c_str());
  if (!address_list(req.value("cc", json())).empty())
    headers = curl_slist_append(headers, ("Cc: " + address_list(req["cc"])).c_str());
  headers = curl_slist_append(headers, ("Subject: " + encoded_word(req.value("subject", ""))).c_str());
  if (!req.value("message_id", "").empty())
    headers = curl_slist_append(headers, ("Message-ID: <" + req["message_id"].get<std::string>() + ">").c_str());
  return headers;
}

void add_text_part(curl_mime* mime, const std::string& text, const char* type) {
  curl_mimepart* part = curl_mime_addpart(mime);
  curl_mime_data(part, text.c_str(), text.size());
  curl_mime_type(part, type);
  curl_mime_encoder(part, "quoted-printable");
}

// multipart/alternative: the text first, the HTML (preferred) last.
curl_mime* message_body(CURL* curl, const json& req) {
  curl_mime* mime = curl_mime_init(curl);
  curl_mime* alt = curl_mime_init(curl);
  add_text_part(alt, req.value("text", ""), "text/plain; charset=utf-8");
  std::string html = req.value("html", "");
  if (!html.empty()) add_text_part(alt, html, "text/html; charset=utf-8");
  curl_mimepart* part = curl_mime_addpart(mime);
  curl_mime_subparts(part, alt);
  curl_mime_type(part, "multipart/alternative");
  return mime;
}

// Where and how to connect, checked: the TLS mode, the port it implies,
// and plain SMTP only to loopback unless the request opts in.
struct Endpoint {
  std::string host, tls;
  int port = 0;
  std::string url() const {
    return std::string(tls == "implicit" ? "smtps://" : "smtp://") +
           (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
};

dt_status endpoint_of(const json& req, Endpoint* e, std::string* out) {
  e->host = req.value("host", "");
  e->tls = req.value("tls", "starttls");
  e->port = req.value("port", e->tls == "implicit" ? 465 : 587);
  if (e->tls != "starttls" && e->tls != "implicit" && e->tls != "none") {
    *out = "tls is starttls, implicit or none, not " + e->tls;
    return DT_INVALID;
  }
  if (e->tls == "none" && !is_loopback_host(e->host) && !req.value("allow_plain", false)) {
    *out = "plain SMTP to " + e->host + " is refused: use tls: starttls or implicit (or allow_plain: true)";
    return DT_PERMANENT;
  }
  return DT_OK;
}

// One transfer of the message; `password` is the resolved secret.
CURLcode transfer(CURL* curl, const HttpSettings& settings, const json& req, const Endpoint& e,
                  const std::string& password, long* reply) {
  std::string url = e.url(), from = "<" + req["from"].get<std::string>() + ">";
  curl_slist* rcpt = nullptr;
  for (const auto& r : req["rcpt"])
    if (r.is_string()) rcpt = curl_slist_append(rcpt, ("<" + r.get<std::string>() + ">").c_str());
  curl_slist* headers = message_headers(req);
  curl_mime* mime = message_body(curl, req);
  std::string ca_file = req.value("ca_file", "");
  if (ca_file.empty()) ca_file = settings.ca_file;
  long timeout = static_cast<long>(settings.timeout.count());
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(curl, CURLOPT_USE_SSL, e.tls == "none" ? CURLUSESSL_NONE : CURLUSESSL_ALL);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
  if (!req.value("username", "").empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, req["username"].get<std::string>().c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);  // the mail headers, for SMTP
  curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, std::min<long>(timeout, 15));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, reply);
  curl_slist_free_all(rcpt);
  curl_slist_free_all(headers);
  curl_mime_free(mime);
  return rc;
}

}  // namespace

dt_status smtp_send(const HttpSettings& settings, const std::string& request_json, std::string* out) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  json req = json::parse(request_json, nullptr, false);
  if (std::string problem = request_problem(req); !problem.empty()) {
    *out = problem;
    return DT_INVALID;
  }
  Endpoint e;
  if (dt_status st = endpoint_of(req, &e, out); st != DT_OK) return st;
  std::string password;
  if (!req.value("password", "").empty()) {
    std::string error;
    auto p = resolve_secret(req["password"].get<std::string>(), &error);
    if (!p) {
      *out = "the SMTP password is not available: " + error;
      return DT_AUTH;
    }
    password = std::move(*p);
  }
  CURL* curl = curl_easy_init();
  if (!curl) {
    *out = "cannot initialise libcurl";
    return DT_RETRY;
  }
  long reply = 0;
  CURLcode rc = transfer(curl, settings, req, e, password, &reply);
  curl_easy_cleanup(curl);
  explicit_bzero(password.data(), password.size());  // a resolved secret: no copy left in freed memory
  if (rc == CURLE_OK) {
    log::info("smtp", "sent a message through {}:{} to {} recipient(s)", e.host, e.port, req["rcpt"].size());
    return DT_OK;
  }
  std::string why = curl_easy_strerror(rc);
  log::warn("smtp", "{}:{}: {} (reply {})", e.host, e.port, why, reply);
  *out = "SMTP " + e.host + ":" + std::to_string(e.port) + ": " + why +
         (reply ? " (server reply " + std::to_string(reply) + ")" : "") +
         (rc == CURLE_PEER_FAILED_VERIFICATION ? " (the server's certificate is not trusted: see ca_file)" : "");
  return status_of(rc, reply);
}

HttpCallback smtp_service(const HttpSettings& settings) {
  g_smtp_settings = settings;
  return [](const dt_host*, const char* request, const dt_out* error) -> dt_status {
    std::string message;
    dt_status s = smtp_send(g_smtp_settings, request ? request : "", &message);
    if (s != DT_OK && error && error->write) error->write(error, message.data(), message.size());
    return s;
  };
}

}  // namespace devtrack

// The email sink: sends the end-of-day summary the user confirmed, one
// outbox row per recipient, through the host's SMTP service (TLS, AUTH and
// the password's secret reference are handled there). Plain text is the
// Markdown as confirmed; the HTML part is the same Markdown through cmark.
#include <devtrack/sdk.hpp>

#include <cmark.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

using nlohmann::json;
using devtrack::sdk::Error;

namespace {

const dt_option kOptions[] = {
    {"host", DT_OPT_STRING, nullptr, "SMTP server host name."},
    {"port", DT_OPT_INT, "587", "SMTP port (587 for starttls, 465 for implicit TLS)."},
    {"tls", DT_OPT_STRING, "\"starttls\"", "starttls | implicit | none (none only to a loopback host, or with allow_plain)."},
    {"username", DT_OPT_STRING, nullptr, "SMTP login; no AUTH when unset."},
    {"password", DT_OPT_SECRET, nullptr, "SMTP password reference (env:, cmd:, keyring:, enc:)."},
    {"from", DT_OPT_STRING, nullptr, "Sender address."},
    {"to", DT_OPT_LIST, "[]", "Recipients."},
    {"cc", DT_OPT_LIST, "[]", "Copy recipients."},
    {"subject", DT_OPT_STRING, "\"Work summary for {date}\"", "Subject; {date} becomes the day."},
    {"ca_file", DT_OPT_STRING, nullptr, "CA certificates (PEM) for a private SMTP server; default network.ca_file."},
    {"allow_plain", DT_OPT_BOOL, "false", "Allow tls: none to a server that is not on this machine."},
    {nullptr, 0, nullptr, nullptr},
};

std::string markdown_to_html(const std::string& md, const std::string& title) {
  char* body = cmark_markdown_to_html(md.data(), md.size(), CMARK_OPT_DEFAULT);  // raw HTML is not passed through
  std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + title +
                     "</title></head><body>\n" + (body ? body : "") + "</body></html>\n";
  std::free(body);
  return html;
}

// A Message-ID from the idempotency key: the same row always sends the same
// id, so a resend after an unknown outcome can be recognised by mail systems.
std::string message_id(const std::string& key) {
  std::string local;
  for (char c : key) local += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '.';
  return local + "@devtrack.invalid";
}

class Email : public devtrack::sdk::Sink {
 public:
  Email(const dt_host* host, std::string_view config_json) : Sink(host) {
    options_ = json::parse(config_json, nullptr, false);
    if (!options_.is_object()) options_ = json::object();
  }

  std::string deliver(std::string_view text) override {
    json s = json::parse(text);
    for (const char* required : {"host", "from"})
      if (options_.value(required, "").empty())
        throw Error(DT_PERMANENT, std::string("plugins.email.") + required + " is not set");
    std::string date = s.value("date", "");
    std::string subject = options_.value("subject", "Work summary for {date}");
    if (size_t at = subject.find("{date}"); at != std::string::npos) subject.replace(at, 6, date);
    std::string markdown = s.value("markdown", "");
    json request = {{"host", options_["host"]},
                    {"port", options_.value("port", 587)},
                    {"tls", options_.value("tls", "starttls")},
                    {"username", options_.value("username", "")},
                    {"password", options_.value("password", "")},
                    {"ca_file", options_.value("ca_file", "")},
                    {"allow_plain", options_.value("allow_plain", false)},
                    {"from", options_["from"]},
                    {"rcpt", json::array({s.at("recipient")})},
                    {"to", options_.value("to", json::array())},
                    {"cc", options_.value("cc", json::array())},
                    {"subject", subject},
                    {"message_id", message_id(s.value("idempotency_key", date))},
                    {"date_ms", host().now_ms()},
                    {"text", markdown},
                    {"html", markdown_to_html(markdown, "Work summary " + date)}};
    host().smtp(request.dump());
    return json{{"remote_id", "<" + request["message_id"].get<std::string>() + ">"}}.dump();
  }

  std::string doctor() override {
    json checks = json::array();
    bool configured = !options_.value("host", "").empty() && !options_.value("from", "").empty() &&
                      !options_.value("to", json::array()).empty();
    checks.push_back({{"name", "settings"},
                      {"ok", configured},
                      {"detail", configured ? "host, from and to are set" : "host, from or to is missing"},
                      {"fix", configured ? json(nullptr) : json("set plugins.email.host, from and to")}});
    if (!options_.value("password", "").empty()) {
      bool found = !host().first_secret({options_["password"].get<std::string>()}).empty();
      checks.push_back({{"name", "password"},
                        {"ok", found},
                        {"detail", found ? "the password reference resolves" : "the password reference does not resolve"},
                        {"fix", found ? json(nullptr) : json("devtrack secret set smtp; plugins.email.password: enc:smtp")}});
    }
    return json{{"checks", checks}}.dump();
  }

 private:
  json options_;
};

}  // namespace

DEVTRACK_PLUGIN(Email, "email", "E-mail", "0.1.0", DT_RUNS_IN_WORKER,
                "E-mails the end-of-day summary you confirmed (SMTP with STARTTLS or TLS, text and HTML).", kOptions)

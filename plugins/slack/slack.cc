// The Slack sink: posts the standup or the end-of-day summary the user
// confirmed to one channel with chat.postMessage, as Slack's mrkdwn (the
// Markdown read by cmark, the CommonMark reference implementation).
// Idempotency: every message carries Slack message metadata
// {"event_type": "devtrack_delivery", "event_payload": {"key": <the outbox
// row's idempotency key>}}; when the host says an earlier attempt may have
// arrived ("check_first"), the channel's recent history is read first and a
// message with that key is the delivery, so a retry never posts twice.
#include <devtrack/sdk.hpp>
#include <devtrack/text.hpp>

#include <cmark.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "tracker_http.h"

using nlohmann::json;
using devtrack::sdk::Error;
namespace trackers = devtrack::trackers;

namespace {

const dt_option kOptions[] = {
    {"token", DT_OPT_SECRET, nullptr, "Bot token reference (xoxb-...: env:, cmd:, keyring:, enc:)."},
    {"channel", DT_OPT_STRING, nullptr, "Channel ID to post to, e.g. C0123ABCD (the bot must be a member)."},
    {"base_url", DT_OPT_URL, "\"https://slack.com/api\"", "Web API root (tests point it elsewhere)."},
    {nullptr, 0, nullptr, nullptr},
};

constexpr const char* kEventType = "devtrack_delivery";
// Slack truncates a message's text beyond 40,000 characters; the summary is
// cut well before, on a character boundary, and says so.
constexpr size_t kMaxTextBytes = 38'000;
// How far back find() looks for an earlier attempt: the outbox gives up on
// a row long before.
constexpr int64_t kFindWindowS = 14 * 24 * 3600;
constexpr int kFindPages = 10;

// Slack's three control characters in text; everything else is literal.
std::string escaped(const char* text) {
  std::string out;
  for (const char* c = text ? text : ""; *c; ++c) {
    if (*c == '&') out += "&amp;";
    else if (*c == '<') out += "&lt;";
    else if (*c == '>') out += "&gt;";
    else out += *c;
  }
  return out;
}

// Renders CommonMark as mrkdwn (api.slack.com/reference/surfaces/formatting):
// headings and strong text bold, emphasis italic, links <url|text>, lists
// with bullets, code as code. Raw HTML is shown as text.
class Mrkdwn {
 public:
  std::string render(const std::string& markdown) {
    cmark_node* doc = cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT);
    cmark_iter* it = cmark_iter_new(doc);
    for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;)
      visit(cmark_iter_get_node(it), ev == CMARK_EVENT_ENTER);
    cmark_iter_free(it);
    cmark_node_free(doc);
    while (!out_.empty() && out_.back() == '\n') out_.pop_back();
    return out_ + "\n";
  }

 private:
  void block_end() {
    if (!out_.empty() && out_.back() != '\n') out_ += '\n';
    if (lists_ == 0) out_ += '\n';
  }

  void visit(cmark_node* node, bool enter) {
    switch (cmark_node_get_type(node)) {
      case CMARK_NODE_HEADING:
        out_ += '*';
        if (!enter) block_end();
        break;
      case CMARK_NODE_STRONG: out_ += '*'; break;
      case CMARK_NODE_EMPH: out_ += '_'; break;
      case CMARK_NODE_PARAGRAPH: if (!enter) block_end(); break;
      case CMARK_NODE_LIST: lists_ += enter ? 1 : -1; if (!enter && lists_ == 0) out_ += '\n'; break;
      case CMARK_NODE_ITEM: if (enter) list_item(node); break;
      case CMARK_NODE_BLOCK_QUOTE: if (enter) out_ += "> "; break;
      case CMARK_NODE_THEMATIC_BREAK: out_ += "———\n\n"; break;
      case CMARK_NODE_LINK: link(node, enter); break;
      case CMARK_NODE_SOFTBREAK: out_ += ' '; break;
      case CMARK_NODE_LINEBREAK: out_ += '\n'; break;
      case CMARK_NODE_CODE: out_ += "`" + escaped(cmark_node_get_literal(node)) + "`"; break;
      case CMARK_NODE_CODE_BLOCK: out_ += "```\n" + escaped(cmark_node_get_literal(node)) + "```\n\n"; break;
      case CMARK_NODE_TEXT:
      case CMARK_NODE_HTML_INLINE:
      case CMARK_NODE_HTML_BLOCK: out_ += escaped(cmark_node_get_literal(node)); break;
      default: break;
    }
  }

  void list_item(cmark_node* item) {
    if (!out_.empty() && out_.back() != '\n') out_ += '\n';
    out_ += std::string(4 * (lists_ - 1), ' ');
    cmark_node* list = cmark_node_parent(item);
    if (cmark_node_get_list_type(list) != CMARK_ORDERED_LIST) {
      out_ += "• ";
      return;
    }
    int n = cmark_node_get_list_start(list);
    for (cmark_node* before = cmark_node_previous(item); before; before = cmark_node_previous(before)) ++n;
    out_ += std::to_string(n) + ". ";
  }

  // <url|text>: the text is gathered between enter and exit.
  void link(cmark_node* node, bool enter) {
    if (enter) {
      link_start_ = out_.size();
      return;
    }
    std::string text = out_.substr(link_start_);
    out_.resize(link_start_);
    std::string url = cmark_node_get_url(node) ? cmark_node_get_url(node) : "";
    if (url.empty() || url.find_first_of("<>| ") != std::string::npos) out_ += text;
    else out_ += "<" + url + "|" + text + ">";
  }

  std::string out_;
  int lists_ = 0;
  size_t link_start_ = 0;
};

// A Slack channel ID (public C…, private G…, direct D…): conversations.history
// takes only an ID, so a channel name is refused with how to find the ID.
bool is_channel_id(const std::string& channel) {
  if (channel.size() < 2 || channel.size() > 32 || (channel[0] != 'C' && channel[0] != 'G' && channel[0] != 'D'))
    return false;
  return channel.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == std::string::npos;
}

// Slack answers HTTP 200 with {"ok": false, "error": "..."}; the error names
// decide what the host does with the row.
[[noreturn]] void throw_slack_error(const std::string& error) {
  static const char* const auth[] = {"not_authed", "invalid_auth", "account_inactive", "token_revoked",
                                     "token_expired", "no_permission", "missing_scope", "ekm_access_denied"};
  static const char* const later[] = {"ratelimited", "service_unavailable", "internal_error", "fatal_error",
                                      "request_timeout", "team_added_to_org"};
  std::string message = "Slack refused the request: " + devtrack::sdk::bounded_utf8(error, 200);
  for (const char* e : auth)
    if (error == e) throw Error(DT_AUTH, message);
  for (const char* e : later)
    if (error == e) throw Error(DT_RETRY, message);
  if (error == "not_in_channel") message += " (invite the bot: /invite @your-bot in the channel)";
  if (error == "channel_not_found") message += " (plugins.slack.channel must be the channel's ID)";
  throw Error(DT_PERMANENT, message);
}

class Slack : public devtrack::sdk::Sink {
 public:
  Slack(const dt_host* host, std::string_view config_json) : Sink(host) {
    json c = json::parse(config_json, nullptr, false);
    if (!c.is_object()) c = json::object();
    base_ = c.value("base_url", "https://slack.com/api");
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    token_ref_ = c.value("token", "");
    channel_ = c.value("channel", "");
  }

  std::string deliver(std::string_view text) override {
    json request = json::parse(text);
    check_channel();
    std::string key = request.value("idempotency_key", "");
    if (request.value("check_first", false))
      if (auto ts = find(key)) return json{{"remote_id", channel_ + "/" + *ts}}.dump();
    json message = {{"channel", channel_},
                    {"text", message_text(request)},
                    {"mrkdwn", true},
                    {"unfurl_links", false},
                    {"metadata", {{"event_type", kEventType}, {"event_payload", {{"key", key}}}}}};
    json reply = call("POST", "/chat.postMessage", "", message);
    std::string ts = reply.value("ts", "");
    if (ts.empty()) throw Error(DT_RETRY, "Slack did not say which message it posted");
    return json{{"remote_id", channel_ + "/" + ts}}.dump();
  }

  std::string doctor() override {
    json checks = json::array();
    bool channel_ok = is_channel_id(channel_);
    checks.push_back({{"name", "channel"},
                      {"ok", channel_ok},
                      {"detail", channel_ok ? "posting to " + channel_ : "plugins.slack.channel is not a channel ID"},
                      {"fix", channel_ok ? json(nullptr)
                                         : json("set plugins.slack.channel to the ID from the channel's details")}});
    bool token_ok = !token().empty();
    checks.push_back({{"name", "token"},
                      {"ok", token_ok},
                      {"detail", token_ok ? "a bot token is configured" : "no Slack bot token found"},
                      {"fix", token_ok ? json(nullptr)
                                       : json("devtrack secret set slack; plugins.slack.token: enc:slack")}});
    return json{{"checks", checks}}.dump();
  }

 private:
  void check_channel() const {
    if (channel_.empty()) throw Error(DT_PERMANENT, "plugins.slack.channel is not set");
    if (!is_channel_id(channel_))
      throw Error(DT_PERMANENT, "plugins.slack.channel must be a channel ID like C0123ABCD, not '" +
                                    devtrack::sdk::bounded_utf8(channel_, 80) +
                                    "' (Slack: the channel's details, at the bottom)");
  }

  static std::string message_text(const json& request) {
    std::string text = Mrkdwn().render(request.value("markdown", ""));
    if (text.size() <= kMaxTextBytes) return text;
    return devtrack::sdk::bounded_utf8(text, kMaxTextBytes) + "\n… (cut here; `devtrack " +
           request.value("what", std::string("summary")) + "` shows the rest)\n";
  }

  // The ts of this channel's message that carries `key`, looked for in the
  // last kFindWindowS, newest first; nullopt when there is none.
  std::optional<std::string> find(const std::string& key) {
    int64_t oldest = host().now_ms() / 1000 - kFindWindowS;
    std::string cursor;
    for (int page = 0; page < kFindPages; ++page) {
      std::string query = "channel=" + channel_ + "&include_all_metadata=true&limit=200&oldest=" +
                          std::to_string(oldest) + (cursor.empty() ? "" : "&cursor=" + devtrack::sdk::url_encode(cursor));
      json reply = call("GET", "/conversations.history", query, nullptr);
      for (const auto& m : reply.value("messages", json::array())) {
        if (!m.is_object() || !m.contains("metadata") || !m["metadata"].is_object()) continue;
        const json& meta = m["metadata"];
        if (meta.value("event_type", "") != kEventType || !meta.contains("event_payload")) continue;
        if (meta["event_payload"].is_object() && meta["event_payload"].value("key", "") == key)
          return m.value("ts", "");
      }
      const json& next = reply.value("response_metadata", json::object());
      cursor = next.is_object() ? next.value("next_cursor", "") : "";
      if (!reply.value("has_more", false) || cursor.empty()) return std::nullopt;
    }
    // More history than we read: posting blind could double the message.
    throw Error(DT_RETRY, "the channel has too much recent history to look for an earlier post");
  }

  std::string token() { return host().first_secret({token_ref_, "env:SLACK_BOT_TOKEN"}); }

  json call(const std::string& method, const std::string& path, const std::string& query, const json& body) {
    std::string bearer = token();
    if (bearer.empty()) throw Error(DT_AUTH, "no Slack bot token (plugins.slack.token, or SLACK_BOT_TOKEN)");
    json request = {{"method", method},
                    {"url", base_ + path + (query.empty() ? "" : "?" + query)},
                    {"headers", {{"Accept", "application/json"}, {"Authorization", "Bearer " + bearer}}}};
    json response = trackers::send_json(host(), request, body);
    if (!trackers::succeeded(response)) {
      std::string message = "Slack answered HTTP " + std::to_string(response.value("status", 0));
      devtrack::sdk::throw_for_http_status(response.value("status", 0), message, trackers::retry_after_s(response));
    }
    json reply = trackers::body_json(response, "Slack");
    if (!reply.is_object()) throw Error(DT_RETRY, "Slack sent a reply that is not a JSON object");
    if (!reply.value("ok", false)) throw_slack_error(reply.value("error", std::string("unknown_error")));
    return reply;
  }

  std::string base_, token_ref_, channel_;
};

}  // namespace

DEVTRACK_PLUGIN(Slack, "slack", "Slack", "0.1.0", DT_RUNS_IN_WORKER,
                "Posts your standup or end-of-day summary to a Slack channel (chat.postMessage, mrkdwn).", kOptions)

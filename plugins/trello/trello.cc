// The Trello tracker: a comment on the card per answer, edited by amend;
// card lookup from its URL, short link or id; the member's open cards.
// Trello authenticates with `key` and `token` query parameters: the host
// logs URLs without their query, so neither reaches a log or an error.
// Idempotency: each comment ends with a short visible tag, "[dt:XXXXXXXX]"
// (from the outbox row's idempotency key), that find() looks for.
#include <devtrack/sdk.hpp>

#include <nlohmann/json.hpp>

#include "ticket_syntax.h"
#include "tracker_http.h"

using nlohmann::json;
using devtrack::sdk::Error;
namespace trackers = devtrack::trackers;
using devtrack::sdk::url_encode;

namespace {

const dt_option kOptions[] = {
    {"key", DT_OPT_SECRET, nullptr, "API key reference (trello.com/power-ups/admin)."},
    {"token", DT_OPT_SECRET, nullptr, "API token reference."},
    {"base_url", DT_OPT_URL, "\"https://api.trello.com\"", "API root (tests point it elsewhere)."},
    {nullptr, 0, nullptr, nullptr},
};

// The tag at the end of a comment: the last 8 characters of the key.
std::string tag(const std::string& key) {
  return "[dt:" + (key.size() > 8 ? key.substr(key.size() - 8) : key) + "]";
}

// A card from its id, short link or URL (https://trello.com/c/SHORT/slug).
std::string card_id(const json& ticket) {
  std::string card = ticket.value("card", "");
  size_t at = card.find("/c/");
  if (at != std::string::npos) {
    card = card.substr(at + 3);
    card = card.substr(0, card.find_first_of("/?#"));
  }
  if (card.empty() || card.find_first_not_of("0123456789abcdefABCDEFGHIJKLMNOPQRSTUVWXYZghijklmnopqrstuvwxyz") !=
                          std::string::npos)
    throw Error(DT_PERMANENT, "not a Trello card: " + ticket.dump());
  return card;
}

class Trello : public devtrack::sdk::Tracker {
 public:
  // What its tickets look like (ABI 1.1): plugins/common/ticket_syntax.h.
  static constexpr const char* ticket_syntax = devtrack::trackers::kTrelloTickets;

  Trello(const dt_host* host, std::string_view config_json) : Tracker(host) {
    json c = json::parse(config_json, nullptr, false);
    if (!c.is_object()) c = json::object();
    base_ = c.value("base_url", "https://api.trello.com");
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    key_ref_ = c.value("key", "");
    token_ref_ = c.value("token", "");
  }

  std::string resolve(std::string_view request) override {
    json r = json::parse(request);
    json card = call("GET", "/1/cards/" + card_id(r.at("ticket")), "fields=name,url,closed", nullptr);
    return json{{"title", card.value("name", "")},
                {"state", card.value("closed", false) ? "closed" : "open"},
                {"url", card.value("url", "")},
                {"assignee", ""}}
        .dump();
  }

  std::string post(std::string_view text) override {
    json u = json::parse(text);
    json created = call("POST", "/1/cards/" + card_id(u.at("ticket")) + "/actions/comments", "",
                        json{{"text", comment(u)}});
    std::string id = created.value("id", "");
    if (id.empty()) throw Error(DT_RETRY, "Trello did not say which comment it made");
    return json{{"remote_id", id}}.dump();
  }

  std::string find(std::string_view text) override {
    json u = json::parse(text);
    std::string needle = tag(u.value("idempotency_key", ""));
    json actions = call("GET", "/1/cards/" + card_id(u.at("ticket")) + "/actions", "filter=commentCard&limit=1000",
                        nullptr);
    if (actions.is_array())
      for (const auto& a : actions)
        if (a.contains("data") && a["data"].is_object() && a["data"].value("text", "").find(needle) != std::string::npos)
          return json{{"remote_id", a.value("id", "")}}.dump();
    throw devtrack::sdk::NotFound();
  }

  std::string amend(std::string_view text) override {
    json r = json::parse(text);
    const json& u = r.at("update");
    std::string id = r.value("remote_id", "");
    call("PUT", "/1/cards/" + card_id(u.at("ticket")) + "/actions/" + url_encode(id) + "/comments", "",
         json{{"text", comment(u)}});
    return json{{"remote_id", id}}.dump();
  }

  std::string list_assigned(std::string_view) override {
    json cards = call("GET", "/1/members/me/cards", "filter=open&fields=name,url,shortLink,closed", nullptr);
    json tickets = json::array();
    if (cards.is_array())
      for (const auto& c : cards)
        tickets.push_back({{"ticket", {{"system", "trello"}, {"card", c.value("shortLink", c.value("id", ""))}}},
                           {"title", c.value("name", "")},
                           {"url", c.value("url", "")},
                           {"state", "open"}});
    return json{{"tickets", tickets}}.dump();
  }

  std::string doctor() override {
    bool ok = !host().first_secret({key_ref_, "env:TRELLO_API_KEY"}).empty() &&
              !host().first_secret({token_ref_, "env:TRELLO_TOKEN"}).empty();
    json check = {{"name", "credentials"},
                  {"ok", ok},
                  {"detail", ok ? "an API key and token are configured" : "no Trello API key or token found"},
                  {"fix", ok ? json(nullptr)
                             : json("devtrack secret set trello-key / trello-token; then plugins.trello.key: "
                                    "enc:trello-key and token: enc:trello-token")}};
    return json{{"checks", json::array({check})}}.dump();
  }

 private:
  static std::string comment(const json& u) {
    std::string text = u.value("text", "");
    if (text.empty()) text = "Worked on this.";
    std::string meta;
    if (u.contains("minutes") && u["minutes"].is_number()) meta += std::to_string(u["minutes"].get<int>()) + " min";
    if (u.contains("status") && u["status"].is_string()) meta += (meta.empty() ? "" : " · ") + u["status"].get<std::string>();
    if (!meta.empty()) text += "\n" + meta;
    return text + "\n" + tag(u.value("idempotency_key", ""));
  }

  json call(const std::string& method, const std::string& path, const std::string& query, const json& body) {
    std::string key = host().first_secret({key_ref_, "env:TRELLO_API_KEY"});
    std::string token = host().first_secret({token_ref_, "env:TRELLO_TOKEN"});
    if (key.empty() || token.empty())
      throw Error(DT_AUTH, "no Trello API key or token (plugins.trello.key and token, or TRELLO_API_KEY / TRELLO_TOKEN)");
    std::string url = base_ + path + "?" + (query.empty() ? "" : query + "&") + "key=" + url_encode(key) +
                      "&token=" + url_encode(token);
    json response =
        trackers::send_json(host(), {{"method", method}, {"url", url}, {"headers", {{"Accept", "application/json"}}}}, body);
    if (trackers::succeeded(response)) return trackers::body_json(response, "Trello");
    // Trello's errors are plain text ("invalid token") or JSON {"message"}.
    std::string text = response.value("body", "");
    json err = json::parse(text, nullptr, false);
    std::string message = std::to_string(response.value("status", 0)) + " " +
                          (err.is_object() ? err.value("message", "") : devtrack::sdk::bounded_utf8(text, 200));
    devtrack::sdk::throw_for_http_status(response.value("status", 0), message, trackers::retry_after_s(response));
  }

  std::string base_, key_ref_, token_ref_;
};

}  // namespace

DEVTRACK_PLUGIN(Trello, "trello", "Trello", "0.1.0", DT_RUNS_IN_WORKER,
                "Posts your answers as comments on Trello cards and lists the cards assigned to you.", kOptions)

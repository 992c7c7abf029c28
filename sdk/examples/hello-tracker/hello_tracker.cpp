// hello-tracker — a complete DevTrack tracker plugin, written as the template
// for your own. It keeps its "tickets" and "comments" in the plugin-scoped
// key/value store the host offers, so it works without any server; a real
// tracker does the same calls over host().http(...) instead.
//
// What a tracker does (see docs/plugin-authoring.md) — besides declaring
// its ticket syntax, so that answers naming its tickets reach it:
//   resolve        ticket -> title, state, url, assignee
//   post           update (comment | worklog) -> remote id
//   find           idempotency key -> remote id of an earlier post, if any
//   amend          edit an earlier post (optional)
//   list_assigned  open tickets for suggestions
// The host owns retries, backoff and the outbox: a method only reports what
// happened, by returning JSON or throwing devtrack::sdk::Error(status, ...).
#include <devtrack/sdk.hpp>

#include <nlohmann/json.hpp>

using nlohmann::json;
using devtrack::sdk::Error;
using devtrack::sdk::NotFound;

namespace {

// The option table: validated by `devtrack config check`, shown by
// `devtrack plugins info hello-tracker`. Ends with a null entry.
const dt_option kOptions[] = {
    {"greeting", DT_OPT_STRING, "\"Hello\"", "Word that starts every comment this tracker posts."},
    {"max_comments", DT_OPT_INT, "100", "How many comments a ticket may hold before posts are refused."},
    {nullptr, 0, nullptr, nullptr},
};

// A ticket arrives as {"tracker": "hello-tracker", "number": 7, ...}: the
// fields are the placeholders of ticket_syntax below.
std::string ticket_key(const json& ticket) {
  if (!ticket.is_object() || !ticket.contains("number")) throw Error(DT_PERMANENT, "ticket has no number");
  return std::to_string(ticket.at("number").get<long long>());
}

json parse(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error(DT_INVALID, "request is not valid JSON");
  return j;
}

class HelloTracker : public devtrack::sdk::Tracker {
 public:
  // What this tracker's tickets look like (ABI 1.1; docs/plugin-authoring.md,
  // "Tickets"): answers and commit messages saying HELLO-7, and branches
  // like hello-7-greeting, name ticket 7 here; it reads HELLO-7.
  static constexpr const char* ticket_syntax = R"({
    "show": "HELLO-{number}",
    "text": ["HELLO-{number}"],
    "branch": ["hello-{number}"]
  })";

  // Called by the host's create(): config_json holds plugins.hello-tracker
  // from config.yaml with the defaults of kOptions applied. Throwing here
  // makes the host refuse the plugin with the message.
  HelloTracker(const dt_host* host, std::string_view config_json) : Tracker(host) {
    json config = parse(config_json);
    greeting_ = config.value("greeting", "Hello");
    max_comments_ = config.value("max_comments", 100);
    if (max_comments_ < 1) throw std::invalid_argument("max_comments must be at least 1");
  }

  std::string resolve(std::string_view request) override {
    std::string n = ticket_key(parse(request).at("ticket"));
    return json{{"title", "Hello ticket " + n},
                {"state", "open"},
                {"url", "hello://tickets/" + n},
                {"assignee", nullptr}}
        .dump();
  }

  std::string post(std::string_view update_text) override {
    json update = parse(update_text);
    std::string n = ticket_key(update.at("ticket"));
    int count = std::stoi(host().kv_get("count:" + n).value_or("0"));
    if (count >= max_comments_) throw Error(DT_PERMANENT, "ticket " + n + " is full");
    std::string remote_id = n + "-" + std::to_string(count + 1);
    json comment = {{"body", greeting_ + ": " + update.value("body", "")},
                    {"minutes", update.value("minutes", 0)},
                    {"key", update.value("idempotency_key", "")}};
    host().kv_set("comment:" + remote_id, comment.dump());
    host().kv_set("count:" + n, std::to_string(count + 1));
    // The idempotency key maps to the remote id, so find() can answer.
    host().kv_set("key:" + update.value("idempotency_key", ""), remote_id);
    return json{{"remote_id", remote_id}}.dump();
  }

  std::string find(std::string_view update_text) override {
    json update = parse(update_text);
    auto remote_id = host().kv_get("key:" + update.value("idempotency_key", ""));
    if (!remote_id) throw NotFound();
    return json{{"remote_id", *remote_id}}.dump();
  }

  std::string amend(std::string_view request_text) override {
    json request = parse(request_text);
    std::string remote_id = request.at("remote_id").get<std::string>();
    if (!host().kv_get("comment:" + remote_id)) throw Error(DT_PERMANENT, "no comment " + remote_id);
    json comment = {{"body", greeting_ + ": " + request.at("update").value("body", "")}};
    host().kv_set("comment:" + remote_id, comment.dump());
    return json{{"remote_id", remote_id}}.dump();
  }

  std::string list_assigned(std::string_view) override {
    return json{{"tickets", json::array()}}.dump();
  }

 private:
  std::string greeting_;
  int max_comments_ = 100;
};

}  // namespace

// The one exported symbol: id, name, version, where it runs, description,
// option table. Trackers run in the worker, where HTTP is available.
DEVTRACK_PLUGIN(HelloTracker, "hello-tracker", "Hello Tracker", "0.1.0", DT_RUNS_IN_WORKER,
                "Example tracker that keeps tickets in DevTrack's own store; copy it to start a plugin.",
                kOptions)

// DevTrack SDK — ticket templates: the language a tracker's ticket syntax
// (dt_plugin_descriptor.tickets, ABI 1.1) is written in.
//
// SPDX-License-Identifier: MIT
//
// A template is literal text with placeholders: "{repo}#{number}",
// "HELLO-{number}", "/c/{card:id}". A placeholder is {NAME} or {NAME:TYPE};
// NAME is the ticket field it fills ([a-z_]+), TYPE what it matches, and a
// bare {NAME} takes the type of the same name:
//   number  1 to 7 digits, no leading zero            -> a JSON integer
//   key     an issue key PREFIX-N: the prefix starts with a letter and has
//           at least two upper-case letters (a prefix the user configured
//           for the tracker in projects[].trackers matches in any case);
//           standards such as UTF-8, SHA-256 or ISO-8601 are not keys
//                                                       -> "PRX-123"
//   repo    owner/name                                  -> "acme/widgets"
//   id      6 to 24 letters and digits (short links)    -> "a1B2c3"
// Literals match case-insensitively. The host checks templates with
// split_ticket_template() when it loads a tracker, parsers match them, and
// everybody shows a ticket with render_ticket_template(). Header-only, no
// ABI: nothing here crosses the .so boundary.
#ifndef DEVTRACK_TICKETS_HPP
#define DEVTRACK_TICKETS_HPP

#include <string>
#include <string_view>
#include <vector>

namespace devtrack::sdk {

// One piece of a template: literal text, or a placeholder's field and type.
struct TemplatePiece {
  bool placeholder = false;
  std::string text;  // the literal, or the field name
  std::string type;  // "number" | "key" | "repo" | "id" (placeholders only)
};

// [any-thread] Whether `type` is one of the placeholder types above.
inline bool is_ticket_field_type(std::string_view type) {
  return type == "number" || type == "key" || type == "repo" || type == "id";
}

// [any-thread] Splits `tmpl` into pieces. Returns false with a reason in
// `error` for an empty template, an unbalanced brace, a field name that is
// not [a-z_]+, an unknown type, or two placeholders in a row (where one
// would end is not known).
inline bool split_ticket_template(std::string_view tmpl, std::vector<TemplatePiece>* pieces, std::string* error) {
  pieces->clear();
  if (tmpl.empty() || tmpl.size() > 200) {
    *error = "a template must be 1 to 200 characters";
    return false;
  }
  for (size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] == '}') {
      *error = "'}' without '{' in \"" + std::string(tmpl) + "\"";
      return false;
    }
    if (tmpl[i] != '{') {
      size_t end = tmpl.find_first_of("{}", i);
      if (end == std::string_view::npos) end = tmpl.size();
      pieces->push_back({false, std::string(tmpl.substr(i, end - i)), ""});
      i = end;
      continue;
    }
    size_t close = tmpl.find('}', i);
    if (close == std::string_view::npos) {
      *error = "'{' without '}' in \"" + std::string(tmpl) + "\"";
      return false;
    }
    std::string_view inside = tmpl.substr(i + 1, close - i - 1);
    size_t colon = inside.find(':');
    std::string name(inside.substr(0, colon));
    std::string type(colon == std::string_view::npos ? inside : inside.substr(colon + 1));
    bool name_ok = !name.empty() && name.size() <= 32;
    for (char c : name) name_ok = name_ok && ((c >= 'a' && c <= 'z') || c == '_');
    if (!name_ok) {
      *error = "placeholder {" + std::string(inside) + "}: the field name must be [a-z_]+";
      return false;
    }
    if (!is_ticket_field_type(type)) {
      *error = "placeholder {" + std::string(inside) + "}: the type must be number, key, repo or id";
      return false;
    }
    if (!pieces->empty() && pieces->back().placeholder) {
      *error = "two placeholders in a row in \"" + std::string(tmpl) + "\"";
      return false;
    }
    pieces->push_back({true, name, type});
    i = close + 1;
  }
  return true;
}

// [any-thread] A ticket shown through its template: each placeholder
// replaced by value_of(field name) (a std::string; "" for a field the ticket
// does not have). "{repo}#{number}" with repo unknown reads "#12".
template <class ValueOf>
std::string render_ticket_template(std::string_view tmpl, ValueOf value_of) {
  std::vector<TemplatePiece> pieces;
  std::string error;
  if (!split_ticket_template(tmpl, &pieces, &error)) return "";
  std::string out;
  for (const auto& p : pieces) out += p.placeholder ? std::string(value_of(p.text)) : p.text;
  return out;
}

}  // namespace devtrack::sdk

#endif  // DEVTRACK_TICKETS_HPP

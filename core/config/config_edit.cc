// `devtrack plugins enable|disable` edits config.yaml as text: yaml-cpp
// cannot re-emit comments, so we find the node's position with yaml-cpp and
// change only the characters that must change, then re-parse to prove the
// result says what we meant.
#include <yaml-cpp/yaml.h>

#include <optional>

#include "config/config.h"
#include "util/error.h"

namespace devtrack {

namespace {

class TextEdit {
 public:
  explicit TextEdit(const std::string& text) : text_(text) {
    line_starts_.push_back(0);
    for (size_t i = 0; i < text_.size(); ++i)
      if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }

  // Byte offset of a yaml-cpp mark (0-based line and column; yaml-cpp
  // counts columns in bytes of the UTF-8 text).
  size_t offset(const YAML::Mark& m) const {
    if (m.is_null() || m.line < 0 || static_cast<size_t>(m.line) >= line_starts_.size())
      throw Error("cannot locate a node in the config file");
    return line_starts_[m.line] + static_cast<size_t>(m.column);
  }

  size_t end_of_line(size_t pos) const {
    size_t nl = text_.find('\n', pos);
    return nl == std::string::npos ? text_.size() : nl + 1;
  }

  // The extent of a plain scalar token starting at pos.
  size_t token_end(size_t pos) const {
    size_t end = text_.find_first_of(",}]#\n", pos);
    if (end == std::string::npos) end = text_.size();
    while (end > pos && (text_[end - 1] == ' ' || text_[end - 1] == '\t' || text_[end - 1] == '\r')) --end;
    return end;
  }

  char at(size_t pos) const { return pos < text_.size() ? text_[pos] : '\0'; }
  const std::string& text() const { return text_; }

 private:
  const std::string& text_;
  std::vector<size_t> line_starts_;
};

// The key node of `key` in a block or flow map, if the map has it.
std::optional<YAML::Node> key_node(const YAML::Node& map, const std::string& key) {
  for (auto it = map.begin(); it != map.end(); ++it)
    if (it->first.as<std::string>("") == key) return it->first;
  return std::nullopt;
}

// Inserts "<entry>" as the first element of the flow map opening at `brace`.
std::string insert_into_flow_map(const std::string& text, size_t brace, const std::string& entry) {
  size_t after = brace + 1;
  size_t next = text.find_first_not_of(" \t\r\n", after);
  bool empty = next != std::string::npos && text[next] == '}';
  return text.substr(0, after) + (empty ? entry : entry + ", ") + text.substr(after);
}

// Inserts a child line after the line of `key`, indented like the map's
// existing children (or two more spaces than the key).
std::string insert_child_line(const TextEdit& t, const YAML::Node& key, const YAML::Node& map,
                              const std::string& entry) {
  int indent = key.Mark().column + 2;
  if (map.IsMap() && map.size() > 0) indent = map.begin()->first.Mark().column;
  size_t at = t.end_of_line(t.offset(key.Mark()));
  std::string prefix = t.text().substr(0, at);
  if (!prefix.empty() && prefix.back() != '\n') prefix += '\n';
  return prefix + std::string(indent, ' ') + entry + "\n" + t.text().substr(at);
}

bool is_flow_map(const TextEdit& t, const YAML::Node& map) { return t.at(t.offset(map.Mark())) == '{'; }

std::string edit(const std::string& text, const std::string& id, bool enabled) {
  const std::string value = enabled ? "true" : "false";
  const std::string entry = id + ": {enabled: " + value + "}";
  YAML::Node root = YAML::Load(text);
  TextEdit t(text);

  if (root.IsNull()) {
    std::string out = text;
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out + "plugins:\n  " + entry + "\n";
  }
  if (!root.IsMap()) throw Error("the config file is not a map of sections");
  if (is_flow_map(t, root)) throw Error("the config file is one flow map; edit plugins." + id + " by hand");

  auto plugins_key = key_node(root, "plugins");
  if (!plugins_key) {
    std::string out = text;
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out + "plugins:\n  " + entry + "\n";
  }
  YAML::Node plugins = root["plugins"];
  if (plugins.IsNull()) return insert_child_line(t, *plugins_key, plugins, entry);
  if (!plugins.IsMap()) throw Error("plugins must be a map");
  if (is_flow_map(t, plugins)) {
    if (!key_node(plugins, id)) return insert_into_flow_map(text, t.offset(plugins.Mark()), entry);
  }

  auto plugin_key = key_node(plugins, id);
  if (!plugin_key) return insert_child_line(t, *plugins_key, plugins, entry);
  YAML::Node plugin = plugins[id];

  if (plugin.IsNull()) {
    // "github:" or "github: ~": give it a flow map right after the colon.
    size_t key_at = t.offset(plugin_key->Mark());
    size_t colon = text.find(':', key_at + id.size());
    if (colon == std::string::npos) throw Error("cannot find the ':' after plugins." + id);
    size_t value_at = text.find_first_not_of(" \t", colon + 1);
    size_t value_end = value_at;
    if (value_at != std::string::npos && (text[value_at] == '~' || text.compare(value_at, 4, "null") == 0))
      value_end = t.token_end(value_at);
    else
      value_at = value_end = colon + 1;
    std::string replacement = (value_at == colon + 1 ? " " : "") + std::string("{enabled: ") + value + "}";
    return text.substr(0, value_at) + replacement + text.substr(value_end);
  }
  if (!plugin.IsMap()) throw Error("plugins." + id + " must be a map like {enabled: true}");

  if (YAML::Node enabled_node = plugin["enabled"]) {
    if (!enabled_node.IsScalar()) throw Error("plugins." + id + ".enabled must be true or false");
    size_t at = t.offset(enabled_node.Mark());
    return text.substr(0, at) + value + text.substr(t.token_end(at));
  }
  if (is_flow_map(t, plugin)) return insert_into_flow_map(text, t.offset(plugin.Mark()), "enabled: " + value);
  return insert_child_line(t, *plugin_key, plugin, "enabled: " + value);
}

}  // namespace

std::string set_plugin_enabled(const std::string& text, const std::string& id, bool enabled) {
  std::string out;
  try {
    out = edit(text, id, enabled);
  } catch (const YAML::Exception& e) {
    throw Error("cannot edit the config: it is not valid YAML (line " + std::to_string(e.mark.line + 1) +
                "): " + e.msg);
  }
  // Prove the edit: the new text must parse and say exactly what we meant.
  try {
    YAML::Node check = YAML::Load(out);
    if (check["plugins"][id]["enabled"].as<bool>() != enabled) throw Error("");
  } catch (const std::exception&) {
    throw Error("could not edit plugins." + id + ".enabled safely; set it by hand in the config file");
  }
  return out;
}

}  // namespace devtrack

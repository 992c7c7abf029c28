#include "config/yaml_cache.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "util/paths.h"
#include "util/strings.h"

using nlohmann::json;
using nlohmann::ordered_json;

namespace devtrack::yaml_cache {

namespace {

// Bumped when the encoding changes; the version keeps a tree made by
// another build (and another yaml-cpp) from being used.
constexpr int kFormat = 3;
#ifndef DEVTRACK_VERSION
#define DEVTRACK_VERSION "0.0.0"
#endif

// A tree the size of a config file is shallow and small; a deeper or
// larger one (aliases that multiply when written out, a hand-made oddity)
// is simply not kept.
constexpr size_t kMaxDepth = 64;
constexpr size_t kMaxNodes = 20000;
constexpr size_t kMaxBytes = 1 << 20;

std::string key(const std::string& path, const std::string& text) {
  return path + "\n" + std::to_string(text.size()) + ":" + std::to_string(fnv1a64(text));
}

// null; "scalar"; [items] for a sequence; {key: value} for a map, in the
// file's order. Tags are left out: the checks read scalars as text, and
// yaml-cpp's conversions do not look at tags either. A map whose keys are
// not distinct scalars is not kept (the checks have much to say about it).
std::optional<ordered_json> encode(const YAML::Node& n, size_t depth, size_t& budget) {
  if (depth > kMaxDepth || budget == 0) return std::nullopt;
  --budget;
  switch (n.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return ordered_json(nullptr);
    case YAML::NodeType::Scalar:
      return ordered_json(n.Scalar());
    case YAML::NodeType::Sequence: {
      ordered_json list = ordered_json::array();
      for (const auto& item : n) {
        auto e = encode(item, depth + 1, budget);
        if (!e) return std::nullopt;
        list.push_back(std::move(*e));
      }
      return list;
    }
    case YAML::NodeType::Map: {
      ordered_json map = ordered_json::object();
      for (auto it = n.begin(); it != n.end(); ++it) {
        if (!it->first.IsScalar() || map.contains(it->first.Scalar())) return std::nullopt;
        auto v = encode(it->second, depth + 1, budget);
        if (!v) return std::nullopt;
        map[it->first.Scalar()] = std::move(*v);
      }
      return map;
    }
  }
  return std::nullopt;
}

// Builds the YAML tree as the cache file is read, without a JSON tree in
// between (that tree cost more than the YAML one). Each node is made whole
// and then appended to its map or sequence (force_insert: the keys are
// distinct, encode() keeps no map that repeats one). Reading stops (false)
// at anything store() would not have written, and at once when the
// envelope shows the tree is not the one asked for.
class TreeReader final : public nlohmann::json_sax<json> {
 public:
  explicit TreeReader(std::string key) : key_(std::move(key)) {}

  YAML::Node root;
  bool done() const { return done_; }

  bool null() override { return in_tree_ && add(YAML::Node(YAML::NodeType::Null), false); }
  bool string(string_t& v) override { return in_tree_ ? add(YAML::Node(v), false) : envelope_text(v); }
  bool number_integer(number_integer_t v) override { return envelope_format(v); }
  bool number_unsigned(number_unsigned_t v) override { return envelope_format(v); }
  bool boolean(bool) override { return false; }
  bool number_float(number_float_t, const string_t&) override { return false; }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override {
    if (in_tree_) return add(YAML::Node(YAML::NodeType::Map), true);
    return !in_envelope_ && !done_ && (in_envelope_ = true);
  }
  bool key(string_t& k) override {
    if (in_tree_) return map_key_ = std::move(k), true;
    if (k != "tree") return field_ = std::move(k), true;
    return in_tree_ = format_ok_ && version_ok_ && key_ok_;
  }
  bool end_object() override { return in_tree_ ? close(YAML::NodeType::Map) : true; }
  bool start_array(std::size_t) override { return in_tree_ && add(YAML::Node(YAML::NodeType::Sequence), true); }
  bool end_array() override { return in_tree_ && close(YAML::NodeType::Sequence); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  bool envelope_format(uint64_t v) { return !in_tree_ && field_ == "format" && (format_ok_ = v == kFormat, true); }
  bool envelope_text(const std::string& v) {
    if (field_ == "version") return version_ok_ = v == DEVTRACK_VERSION, true;
    if (field_ == "key") return key_ok_ = v == key_, true;
    return false;
  }

  // Puts `n` where the next value goes: the root, the end of the sequence
  // being read, or the map's current key. A map or sequence is then filled.
  bool add(YAML::Node n, bool container) {
    if (open_.empty()) root = n;
    else if (open_.back().IsSequence()) open_.back().push_back(n);
    else open_.back().force_insert(map_key_, n);
    if (container) {
      if (open_.size() >= kMaxDepth) return false;
      open_.push_back(n);
    } else if (open_.empty()) {
      in_tree_ = false, done_ = true;
    }
    return true;
  }
  bool close(YAML::NodeType::value type) {
    if (open_.empty() || open_.back().Type() != type) return false;
    open_.pop_back();
    if (open_.empty()) in_tree_ = false, done_ = true;
    return true;
  }

  std::string key_, field_, map_key_;
  std::vector<YAML::Node> open_;  // the maps and sequences being filled, innermost last
  bool in_envelope_ = false, in_tree_ = false, done_ = false;
  bool format_ok_ = false, version_ok_ = false, key_ok_ = false;
};

}  // namespace

std::string file() { return paths::cache_dir() + "/config-tree.msgpack"; }

std::optional<YAML::Node> load(const std::string& path, const std::string& text) {
  try {
    TreeReader reader(key(path, text));
    if (!json::sax_parse(paths::read_file(file()), &reader, json::input_format_t::msgpack) || !reader.done())
      return std::nullopt;
    return reader.root;
  } catch (const std::exception&) {
    return std::nullopt;  // missing or unreadable: parse the file
  }
}

void store(const std::string& path, const std::string& text, const YAML::Node& root) {
  try {
    size_t budget = kMaxNodes;
    auto tree = encode(root, 0, budget);
    if (!tree) return;
    // In this order: the reader checks the envelope before it builds the tree.
    ordered_json j = {{"format", kFormat}, {"version", DEVTRACK_VERSION}, {"key", key(path, text)}, {"tree", std::move(*tree)}};
    // MessagePack keeps scalars byte for byte (JSON text would have to
    // replace bytes that are not UTF-8) and reads in half the time.
    std::vector<std::uint8_t> out = ordered_json::to_msgpack(j);
    if (out.size() > kMaxBytes) return;
    paths::ensure_private_dir(paths::cache_dir());
    paths::write_file_atomic(file(), std::string(out.begin(), out.end()));
    std::error_code ec;
    std::filesystem::remove(paths::cache_dir() + "/config-tree.json", ec);  // formats 2 and older
  } catch (const std::exception&) {
    // Only a cache: the next command parses the file again.
  }
}

}  // namespace devtrack::yaml_cache

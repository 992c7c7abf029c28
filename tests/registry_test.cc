#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "plugin/registry.h"
#include "test_support.h"

using namespace devtrack;
using namespace devtrack::test;

namespace {
const PluginInfo* by_file(const std::vector<PluginInfo>& all, const std::string& file) {
  for (const auto& p : all)
    if (std::filesystem::path(p.path).filename() == file) return &p;
  return nullptr;
}
// The test's own plugins, without the bundled ones of the build tree.
std::vector<PluginInfo> not_bundled(std::vector<PluginInfo> all) {
  std::erase_if(all, [](const PluginInfo& p) { return p.source == "bundled"; });
  return all;
}
void write_msgpack(const std::string& path, const nlohmann::json& j) {
  auto bytes = nlohmann::json::to_msgpack(j);
  spit(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace

TEST_CASE("the scan lists every plugin on the search path, refused ones with the reason") {
  TempHome home;
  set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("good") + ":" + plugin_dir("broken"));
  auto all = scan_plugins(false);
  REQUIRE(by_file(all, "good-tracker.so"));
  CHECK_FALSE(by_file(all, "good-tracker.so")->refused);
  CHECK(by_file(all, "good-tracker.so")->source == "env");
  for (const char* f : {"not_elf.so", "no_entry.so", "bad-major.so", "truncated.so", "unknown-kind.so"}) {
    INFO(f);
    REQUIRE(by_file(all, f));
    CHECK(by_file(all, f)->refused);
  }
  CHECK(std::filesystem::exists(registry_cache_path()));
}

TEST_CASE("duplicate ids: the first on the search path wins") {
  TempHome home;
  set_env("DEVTRACK_PLUGIN_PATH", plugin_dir("good") + ":" + plugin_dir("dups"));
  auto all = not_bundled(scan_plugins(false));
  REQUIRE(all.size() == 3);
  CHECK_FALSE(all[0].refused);
  CHECK(all[1].refused);
  CHECK(all[1].error == "duplicate id 'good-tracker': " + all[0].path + " comes first on the search path");
  CHECK(all[2].refused);
  REQUIRE(find_plugin(all, "good-tracker"));
  CHECK(find_plugin(all, "good-tracker")->path == all[0].path);
}

TEST_CASE("the registry is read from the cache and refreshed when a file changes") {
  TempHome home;
  std::string dir = home.file("plugins");  // the user plugin dir
  std::filesystem::create_directories(dir);
  std::filesystem::copy_file(plugin_dir("good") + "/good-tracker.so", dir + "/good-tracker.so");
  // load_registry runs the real devtrack-worker --scan when the cache is stale.
  auto first = not_bundled(load_registry());
  REQUIRE(first.size() == 1);
  CHECK(first[0].source == "user");
  CHECK(first[0].id == "good-tracker");
  // Descriptions and option docs are read only when asked for.
  CHECK(first[0].description.empty());
  REQUIRE_FALSE(first[0].options.empty());
  CHECK(first[0].options[0].doc.empty());
  load_plugin_docs(first);
  CHECK_FALSE(first[0].description.empty());
  CHECK_FALSE(first[0].options[0].doc.empty());
  // Without their file, asking for them scans again and brings them back.
  std::filesystem::remove(std::filesystem::path(registry_cache_path()).replace_filename("registry-docs.json"));
  auto again = not_bundled(load_registry());
  load_plugin_docs(again);
  CHECK(again[0].description == first[0].description);

  // A fresh cache is used as is: prove it by planting a marker in it.
  auto cache = nlohmann::json::from_msgpack(slurp(registry_cache_path()));
  for (auto& field : cache["plugins"][0])  // an entry is an array of fields
    if (field == first[0].name) field = "from the cache";
  write_msgpack(registry_cache_path(), cache);
  CHECK(not_bundled(load_registry())[0].name == "from the cache");

  // Replace the file with a broken one: size and mtime change, the scan runs.
  std::filesystem::copy_file(plugin_dir("broken") + "/bad-major.so", dir + "/good-tracker.so",
                             std::filesystem::copy_options::overwrite_existing);
  auto after = not_bundled(load_registry());
  REQUIRE(after.size() == 1);
  CHECK(after[0].refused);
  CHECK(after[0].error.find("major version differs") != std::string::npos);

  // A corrupt cache is rebuilt, not fatal; so is one of another layout.
  spit(registry_cache_path(), "{not json");  // nor MessagePack
  CHECK(not_bundled(load_registry()).size() == 1);
  spit(registry_cache_path(), std::string(100000, '\x91'));  // arrays in arrays, 100,000 deep
  CHECK(not_bundled(load_registry()).size() == 1);
  std::string deep = "[]";
  for (int i = 0; i < 200; ++i) deep = "[" + deep + "]";
  for (std::string odd : {std::string(R"({"format":5,"abi":"1.2","plugins":[[1,2]]})"),
                          std::string(R"({"format":5,"plugins":[{"id":"x"}]})"),
                          std::string(R"({"format":5,"plugins":[["a","b",-1,0,false,"","x","x","1","tracker","worker",1,2,[],""]]})"),
                          R"({"format":5,"abi":"1.2","plugins":)" + deep + "}", deep}) {
    write_msgpack(registry_cache_path(), nlohmann::json::parse(odd));
    auto again = not_bundled(load_registry());
    REQUIRE(again.size() == 1);
    CHECK(again[0].refused);  // the bad-major file, scanned again
  }
}

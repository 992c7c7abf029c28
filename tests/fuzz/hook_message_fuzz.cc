// Fuzzes the post-commit hook's message builder (core/hook/hook_message.c):
// whatever bytes the paths and branch hold and whatever room it is given, it
// writes only inside the buffer, and what it returns is one line of valid
// JSON carrying each field as the SDK's to_valid_utf8 would.
//
// Input: 8 bytes of at_ms, 2 bytes of buffer size, then repo, git_dir,
// commit and branch separated by NUL bytes (missing fields are empty).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../../sdk/include/devtrack/text.hpp"
#include "hook/hook_message.h"

namespace {

// A broken property: a crash to libFuzzer, a failed replay in ctest.
// (fuzz_support.h needs the SDK's include path, which this target, like the
// hook, does without.)
void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "hook_message: %s\n", what);
  std::abort();
}

struct Input {
  long long at_ms = 0;
  size_t small_cap = 0;
  std::string fields[4];  // repo, git_dir, commit, branch
};

Input split(const uint8_t* data, size_t size) {
  Input in;
  if (size >= 8) {
    std::memcpy(&in.at_ms, data, 8);
    data += 8, size -= 8;
  }
  if (size >= 2) {
    in.small_cap = static_cast<size_t>(data[0]) | static_cast<size_t>(data[1]) << 8;
    data += 2, size -= 2;
  }
  std::string rest(reinterpret_cast<const char*>(data), size);
  size_t at = 0;
  for (int i = 0; i < 4 && at <= rest.size(); ++i) {
    size_t nul = rest.find('\0', at);
    in.fields[i] = rest.substr(at, nul == std::string::npos ? std::string::npos : nul - at);
    at = nul == std::string::npos ? rest.size() + 1 : nul + 1;
  }
  return in;
}

// A heap block of exactly cap bytes, so that ASan sees any write past it.
long build(const Input& in, size_t cap, std::string* out) {
  std::unique_ptr<char[]> buf(new char[cap ? cap : 1]);
  long n = dt_hook_build_message(buf.get(), cap, in.fields[0].c_str(), in.fields[1].c_str(), in.fields[2].c_str(),
                                 in.fields[3].c_str(), in.at_ms, 0);
  if (n >= 0) {
    check(static_cast<size_t>(n) < cap && buf[n] == '\0', "the length and the NUL are inside the buffer");
    check(std::strlen(buf.get()) == static_cast<size_t>(n), "no NUL inside the message");
    out->assign(buf.get(), static_cast<size_t>(n));
  }
  return n;
}

void check_shape(const Input& in, const std::string& line) {
  check(!line.empty() && line.back() == '\n' && line.find('\n') == line.size() - 1, "one line");
  nlohmann::json m = nlohmann::json::parse(line, nullptr, false);
  check(!m.is_discarded(), "valid JSON");
  check(m.is_object() && m.size() == 4 && m["v"] == 1 && m["id"] == 1 && m["cmd"] == "hook.commit", "the request");
  const nlohmann::json& args = m["args"];
  static const char* const keys[] = {"repo", "git_dir", "commit", "branch"};
  check(args.is_object() && args.size() == 5 && args["at_ms"] == in.at_ms, "args and at_ms");
  for (int i = 0; i < 4; ++i)
    check(args[keys[i]] == devtrack::sdk::to_valid_utf8(in.fields[i]), "each field as to_valid_utf8 makes it");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in = split(data, size);
  std::string full, cut;
  long n = build(in, DT_HOOK_MAX_LINE, &full);
  if (n >= 0) check_shape(in, full);
  // With less room: it fits exactly when the whole line and its NUL do.
  long m = build(in, in.small_cap, &cut);
  check(n >= 0 ? (m >= 0) == (static_cast<size_t>(n) < in.small_cap) : m < 0, "-1 exactly when it does not fit");
  check(m < 0 || cut == full, "the same line in a smaller buffer");
  return 0;
}

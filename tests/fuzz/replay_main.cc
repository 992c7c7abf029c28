// The main of a fuzz target built without libFuzzer (GCC, the normal test
// build): runs LLVMFuzzerTestOneInput once on every file named on the
// command line or found in a named directory, so ctest replays the corpus
// and every crash ever found. A crash, sanitizer report or failed check in
// the target fails the test; the last "replaying" line names the input.
//
//   <target>_fuzz DIR_OR_FILE...
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace fs = std::filesystem;

namespace {

// Files under `path` (or `path` itself), sorted so that runs are repeatable.
// Dot files (.gitkeep) are not inputs. A missing directory has no inputs:
// git keeps no empty regressions/ directory.
std::vector<fs::path> inputs_of(const fs::path& path) {
  std::vector<fs::path> files;
  if (fs::is_regular_file(path)) return {path};
  if (!fs::is_directory(path)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(path))
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.') files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The input in a heap block of exactly its size, as libFuzzer passes it: a
// read one byte past the end is an AddressSanitizer report, not luck.
void run_one(const std::string& bytes) {
  std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size()]);
  std::copy(bytes.begin(), bytes.end(), copy.get());
  LLVMFuzzerTestOneInput(copy.get(), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  size_t count = 0;
  for (int i = 1; i < argc; ++i)
    for (const auto& file : inputs_of(argv[i])) {
      std::printf("replaying %s\n", file.c_str());
      std::fflush(stdout);  // the name is out before a crash
      run_one(read_file(file));
      ++count;
    }
  std::printf("replayed %zu inputs\n", count);
  // A replay of nothing proves nothing: a moved corpus must fail the test.
  if (count == 0) {
    std::fprintf(stderr, "no inputs found in the given paths\n");
    return 1;
  }
  return 0;
}

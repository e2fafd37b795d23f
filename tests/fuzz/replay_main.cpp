// Replays a libFuzzer corpus through LLVMFuzzerTestOneInput without libFuzzer, so the
// ordinary build and test run (any compiler, no sanitizers needed) exercise the fuzz
// target on every seed. Each small input is also replayed truncated at every length.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;

/// Inputs up to this size are also replayed cut at every length.
constexpr std::size_t max_truncated_input = 4096;

bool read_file(const fs::path& path, std::vector<std::uint8_t>& out) {
  std::ifstream in{path, std::ios::binary};
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{});
  return !in.bad();
}

void run(const std::vector<std::uint8_t>& bytes, std::size_t size) {
  // A buffer of exactly `size` bytes, so an overread is visible to a sanitizer.
  std::vector<std::uint8_t> exact(bytes.begin(),
                                  bytes.begin() + static_cast<std::ptrdiff_t>(size));
  LLVMFuzzerTestOneInput(exact.data(), exact.size());
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n", argv[0]);
    return 2;
  }
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    fs::path arg{argv[i]};
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (const auto& entry : fs::directory_iterator{arg, ec})
        if (entry.is_regular_file()) inputs.push_back(entry.path());
    } else if (fs::is_regular_file(arg, ec)) {
      inputs.push_back(arg);
    } else {
      std::fprintf(stderr, "%s: no such file or directory\n", argv[i]);
      return 2;
    }
    if (ec) {
      std::fprintf(stderr, "%s: %s\n", argv[i], ec.message().c_str());
      return 2;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "no inputs to replay\n");
    return 1;
  }
  std::sort(inputs.begin(), inputs.end());
  std::size_t runs = 0;
  for (const auto& path : inputs) {
    std::vector<std::uint8_t> bytes;
    if (!read_file(path, bytes)) {
      std::fprintf(stderr, "%s: cannot read\n", path.c_str());
      return 1;
    }
    run(bytes, bytes.size());
    ++runs;
    if (bytes.size() <= max_truncated_input) {
      for (std::size_t n = 0; n < bytes.size(); ++n, ++runs)
        run(bytes, n);
    }
  }
  std::printf("replayed %zu inputs (%zu runs), no failure\n", inputs.size(), runs);
  return 0;
}

#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

// Command-line parsing shared by the bench tools: `--name value`, `--name=value` and
// `--flag`, nothing positional. Mistakes are `usage_error`s, which each tool's main()
// prints with its usage text before exiting with status 2.
namespace parley::bench {

class usage_error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// One option a tool accepts.
struct option_spec {
  std::string_view name; // without the leading dashes
  bool takes_value;      // false: a flag
};

/// The options given on one command line; a repeated option keeps its last value.
class option_map {
public:
  /// Parses argv[1..]. Throws usage_error on an unknown option, a missing value, a
  /// value given to a flag, or a positional argument.
  static option_map parse(int argc, char** argv, std::span<const option_spec> specs);

  bool has(std::string_view name) const;

  std::string str(std::string_view name, std::string_view fallback) const;

  /// An integer in [min, max]; `fallback` when absent.
  std::uint64_t uint(std::string_view name, std::uint64_t fallback, std::uint64_t min,
                     std::uint64_t max) const;

  /// A finite number in [min, max]; `fallback` when absent.
  double real(std::string_view name, double fallback, double min, double max) const;

private:
  std::map<std::string, std::string, std::less<>> values_;
};

} // namespace parley::bench

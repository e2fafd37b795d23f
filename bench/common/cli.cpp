#include "bench/common/cli.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

namespace parley::bench {

namespace {

std::string dashed(std::string_view name) {
  return "--" + std::string{name};
}

} // namespace

option_map option_map::parse(int argc, char** argv, std::span<const option_spec> specs) {
  option_map out;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (!arg.starts_with("--") || arg.size() == 2)
      throw usage_error("unexpected argument '" + std::string{arg} + "'");
    arg.remove_prefix(2);
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const option_spec& s) { return s.name == name; });
    if (spec == specs.end()) throw usage_error("unknown option " + dashed(name));
    if (!spec->takes_value) {
      if (inline_value) throw usage_error(dashed(name) + " takes no value");
      out.values_[std::string{name}] = "";
      continue;
    }
    if (inline_value) {
      out.values_[std::string{name}] = std::string{*inline_value};
    } else {
      if (i + 1 >= argc) throw usage_error(dashed(name) + " needs a value");
      out.values_[std::string{name}] = argv[++i];
    }
  }
  return out;
}

bool option_map::has(std::string_view name) const {
  return values_.find(name) != values_.end();
}

std::string option_map::str(std::string_view name, std::string_view fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string{fallback} : it->second;
}

std::uint64_t option_map::uint(std::string_view name, std::uint64_t fallback,
                               std::uint64_t min, std::uint64_t max) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& text = it->second;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    throw usage_error(dashed(name) + " needs a non-negative integer, got '" + text + "'");
  if (value < min || value > max)
    throw usage_error(dashed(name) + " must be in " + std::to_string(min) + ".." +
                      std::to_string(max));
  return value;
}

double option_map::real(std::string_view name, double fallback, double min,
                        double max) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string& text = it->second;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty() ||
      !std::isfinite(value))
    throw usage_error(dashed(name) + " needs a number, got '" + text + "'");
  if (value < min || value > max)
    throw usage_error(dashed(name) + " must be in " + std::to_string(min) + ".." +
                      std::to_string(max));
  return value;
}

} // namespace parley::bench

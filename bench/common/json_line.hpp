#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace parley::bench {

/// Builds one JSON object on one line, field by field, for `--json` output that
/// scripts read. Numbers are printed in fixed notation.
class json_line {
public:
  json_line& str(std::string_view key, std::string_view value);
  json_line& uint(std::string_view key, std::uint64_t value);
  json_line& real(std::string_view key, double value, int decimals);
  json_line& boolean(std::string_view key, bool value);
  json_line& object(std::string_view key, const json_line& inner);

  /// The object, `{...}`.
  std::string finish() const { return "{" + body_ + "}"; }

private:
  void key(std::string_view k);

  std::string body_;
};

/// `text` as a JSON string literal, quotes included.
std::string json_quote(std::string_view text);

} // namespace parley::bench

#include "protocol/preview.hpp"

#include "protocol/utf8.hpp"

namespace parley::protocol {

std::string cut_preview(std::string_view body, std::size_t max_chars) {
  constexpr std::string_view ellipsis = "\xE2\x80\xA6"; // U+2026, one character
  if (max_chars == 0) return {};
  auto eol = body.find_first_of("\r\n");
  auto line = body.substr(0, eol);
  // Trailing blank lines are not "more text": only a later non-empty line counts.
  bool cut = eol != std::string_view::npos &&
             body.find_first_not_of("\r\n \t", eol) != std::string_view::npos;
  auto chars = utf8_length(line);
  if (chars > max_chars || (cut && chars + 1 > max_chars)) {
    // Keep room for the ellipsis so the whole preview stays within max_chars.
    line = line.substr(0, utf8_prefix_bytes(line, max_chars - 1));
    cut = true;
  }
  std::string out{line};
  if (cut) out += ellipsis;
  return out;
}

} // namespace parley::protocol

#include "protocol/preview.hpp"

namespace parley::protocol {

std::string cut_preview(std::string_view body, std::size_t max_chars) {
  constexpr std::string_view ellipsis = "\xE2\x80\xA6"; // U+2026, one character
  if (max_chars == 0) return {};
  // Most bodies are one short line: no more bytes than max_chars means no more code
  // points, and without a line break the whole body is the preview (two memchr).
  if (body.size() <= max_chars && body.find('\n') == std::string_view::npos &&
      body.find('\r') == std::string_view::npos)
    return std::string{body};
  // Longer, but printable ASCII up to one byte past the cut (most chat text): a
  // byte is a character, so the preview is the first max_chars - 1 bytes and the
  // ellipsis. A branch-free test of each byte, instead of the walk below.
  if (body.size() > max_chars) {
    unsigned bad = 0;
    for (std::size_t i = 0; i <= max_chars; ++i) {
      auto c = static_cast<unsigned char>(body[i]);
      bad |= static_cast<unsigned>(c < 0x20) | static_cast<unsigned>(c >= 0x80);
    }
    if (!bad) {
      std::string out;
      out.reserve(max_chars - 1 + ellipsis.size());
      out.append(body.substr(0, max_chars - 1)).append(ellipsis);
      return out;
    }
  }
  // One pass over the first line that stops after max_chars code points: a preview
  // is computed for every message, and bodies may be 64 KiB on one line.
  std::size_t i = 0;
  std::size_t chars = 0;
  std::size_t keep = 0; // bytes of the first max_chars - 1 code points
  bool too_long = false;
  for (; i < body.size(); ++i) {
    auto c = static_cast<unsigned char>(body[i]);
    if (c == '\r' || c == '\n') break;
    if ((c & 0xC0) == 0x80) continue; // a continuation byte of the same code point
    if (chars == max_chars - 1) keep = i;
    if (chars == max_chars) {
      too_long = true;
      break;
    }
    ++chars;
  }
  if (too_long) return std::string{body.substr(0, keep)} + std::string{ellipsis};
  // Trailing blank lines are not "more text": only a later non-empty line counts.
  bool more =
      i < body.size() && body.find_first_not_of("\r\n \t", i) != std::string_view::npos;
  if (!more) return std::string{body.substr(0, i)};
  // Keep room for the ellipsis so the whole preview stays within max_chars.
  auto line = chars + 1 > max_chars ? body.substr(0, keep) : body.substr(0, i);
  return std::string{line} + std::string{ellipsis};
}

} // namespace parley::protocol

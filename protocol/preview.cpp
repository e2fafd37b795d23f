#include "protocol/preview.hpp"

#include <cstdint>
#include <cstring>

namespace parley::protocol {

namespace {

/// Whether any of the `n` bytes at `p` is a control character or not ASCII. Eight
/// bytes at a time: a preview is cut for every committed message, and the byte
/// loop was 9 instructions a byte (bench/RESULTS.md, "Hot path, round 10").
bool any_control_or_non_ascii(const char* p, std::size_t n) {
  constexpr std::uint64_t ones = 0x0101010101010101ull;
  constexpr std::uint64_t highs = 0x8080808080808080ull;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    // A high bit set is a byte past ASCII. With none set, subtracting 0x20 from
    // every byte borrows into the high bit of exactly the bytes below 0x20.
    if ((w & highs) != 0 || ((w - ones * 0x20) & ~w & highs) != 0) return true;
  }
  for (; i < n; ++i) {
    auto c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c >= 0x80) return true;
  }
  return false;
}

} // namespace

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
  // ellipsis, instead of the walk below.
  if (body.size() > max_chars) {
    if (!any_control_or_non_ascii(body.data(), max_chars + 1)) {
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

// Tests of reply and notification previews (protocol/preview).
#include "protocol/preview.hpp"

#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"

namespace {

using namespace parley::protocol;

const std::string ellipsis = "\xE2\x80\xA6";          // U+2026
const std::string e_acute = "\xC3\xA9";               // é, 2 bytes
const std::string nihon = "\xE6\x97\xA5\xE6\x9C\xAC"; // 日本, 2 characters of 3 bytes
const std::string grin = "\xF0\x9F\x98\x80";          // 😀, 4 bytes

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

struct preview_case {
  const char* name;
  std::string body;
  std::size_t max;
  std::string expected;
};

void PrintTo(const preview_case& c, std::ostream* os) {
  *os << c.name;
}

class PreviewTest : public ::testing::TestWithParam<preview_case> {};

TEST_P(PreviewTest, Cut) {
  const auto& c = GetParam();
  auto got = cut_preview(c.body, c.max);
  EXPECT_EQ(got, c.expected);
  EXPECT_TRUE(valid_utf8(got));
  EXPECT_LE(utf8_length(got), c.max);
}

INSTANTIATE_TEST_SUITE_P(
    Table, PreviewTest,
    ::testing::Values(
        preview_case{"empty", "", 80, ""}, preview_case{"short", "hello", 80, "hello"},
        preview_case{"exactly_80", repeat("a", 80), 80, repeat("a", 80)},
        preview_case{"chars_81", repeat("a", 81), 80, repeat("a", 79) + ellipsis},
        preview_case{"chars_500", repeat("a", 500), 80, repeat("a", 79) + ellipsis},
        // The printable-ASCII fast path, and what sends a body past it.
        preview_case{"ascii_then_two_byte_past_cut", repeat("a", 81) + e_acute, 80,
                     repeat("a", 79) + ellipsis},
        preview_case{"two_byte_before_cut", repeat("a", 78) + e_acute + repeat("a", 10),
                     80, repeat("a", 78) + e_acute + ellipsis},
        preview_case{"newline_right_at_cut", repeat("a", 80) + "\nmore", 80,
                     repeat("a", 79) + ellipsis},
        preview_case{"newline_past_cut", repeat("a", 85) + "\nmore", 80,
                     repeat("a", 79) + ellipsis},
        preview_case{"tab_inside", repeat("a", 40) + "\t" + repeat("a", 60), 80,
                     repeat("a", 40) + "\t" + repeat("a", 38) + ellipsis},
        preview_case{"max_one", "ab", 1, ellipsis},
        // Characters, not bytes: 80 two-byte characters are 160 bytes, and fit.
        preview_case{"two_byte_80", repeat(e_acute, 80), 80, repeat(e_acute, 80)},
        preview_case{"two_byte_81", repeat(e_acute, 81), 80,
                     repeat(e_acute, 79) + ellipsis},
        preview_case{"three_byte_80", repeat(nihon, 40), 80, repeat(nihon, 40)},
        preview_case{"three_byte_82", repeat(nihon, 41), 80,
                     repeat(nihon, 39) + "\xE6\x97\xA5" + ellipsis},
        preview_case{"four_byte_80", repeat(grin, 80), 80, repeat(grin, 80)},
        preview_case{"four_byte_81", repeat(grin, 81), 80, repeat(grin, 79) + ellipsis},
        // The cut never splits a character, whatever the mix of widths.
        preview_case{"mixed_widths", repeat("a" + grin + e_acute, 30), 80,
                     repeat("a" + grin + e_acute, 26) + "a" + ellipsis},
        preview_case{"text_then_emoji", repeat("a", 78) + grin + grin + "b", 80,
                     repeat("a", 78) + grin + ellipsis},
        // First line only; "…" marks further non-empty lines.
        preview_case{"two_lines", "hello\nworld", 80, "hello" + ellipsis},
        preview_case{"blank_line_between", "hello\n\nworld", 80, "hello" + ellipsis},
        preview_case{"crlf_two_lines", "hello\r\nworld", 80, "hello" + ellipsis},
        preview_case{"cr_two_lines", "hello\rworld", 80, "hello" + ellipsis},
        preview_case{"trailing_lf", "hello\n", 80, "hello"},
        preview_case{"trailing_lfs", "hello\n\n\n", 80, "hello"},
        preview_case{"trailing_crlf", "hello\r\n", 80, "hello"},
        preview_case{"trailing_crlfs", "hello\r\n\r\n", 80, "hello"},
        preview_case{"trailing_blank_lines", "hello\n  \n\t\r\n", 80, "hello"},
        preview_case{"trailing_spaces_kept", "hi  \nx", 80, "hi  " + ellipsis},
        preview_case{"multibyte_then_line", nihon + "\n" + grin, 80, nihon + ellipsis},
        // The ellipsis counts toward the limit.
        preview_case{"line_78_more", repeat("a", 78) + "\nmore", 80,
                     repeat("a", 78) + ellipsis},
        preview_case{"line_79_more", repeat("a", 79) + "\nmore", 80,
                     repeat("a", 79) + ellipsis},
        preview_case{"line_80_more", repeat("a", 80) + "\nmore", 80,
                     repeat("a", 79) + ellipsis},
        preview_case{"line_81_more", repeat("a", 81) + "\nmore", 80,
                     repeat("a", 79) + ellipsis},
        preview_case{"line_81_trailing_lf", repeat("a", 81) + "\n", 80,
                     repeat("a", 79) + ellipsis},
        preview_case{"line_80_trailing_lf", repeat("a", 80) + "\n", 80, repeat("a", 80)},
        preview_case{"grin_80_more", repeat(grin, 80) + "\r\nx", 80,
                     repeat(grin, 79) + ellipsis},
        // Other limits.
        preview_case{"max_10_fits", "0123456789", 10, "0123456789"},
        preview_case{"max_10_cut", "0123456789a", 10, "012345678" + ellipsis},
        preview_case{"max_1_fits", "a", 1, "a"},
        preview_case{"max_1_cut", "ab", 1, ellipsis},
        preview_case{"max_1_more_lines", "a\nb", 1, ellipsis},
        preview_case{"max_0", "abc", 0, ""}, preview_case{"max_0_empty", "", 0, ""}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(PreviewDefaultsTest, DefaultLimitIs80) {
  EXPECT_EQ(limits::preview_chars, 80u);
  EXPECT_EQ(cut_preview(repeat("x", 80)), repeat("x", 80));
  EXPECT_EQ(cut_preview(repeat("x", 81)), repeat("x", 79) + ellipsis);
}

// The printable-ASCII fast path reads eight bytes at a time: a line break, a tab,
// NUL, 0x1f (the last control byte), 0x80 (the first past ASCII) and a two-byte
// character at every position up to one past the cut,
// in every alignment of the word, must each leave it for the walk.
TEST(PreviewDefaultsTest, OneByteOutsidePrintableAsciiAnywhereLeavesTheFastPath) {
  for (std::size_t max : {1u, 7u, 8u, 9u, 80u}) {
    for (std::size_t at = 0; at <= max; ++at) {
      for (char odd : {'\n', '\t', '\x1f', '\x00', '\x80', '\xC3'}) {
        auto body = repeat("a", max + 5);
        body[at] = odd;
        if (odd == '\xC3') body.insert(at + 1, 1, '\xA9'); // é
        auto got = cut_preview(body, max);
        std::string expected;
        if (odd == '\n') {
          // The first line, then an ellipsis for the line that follows.
          expected = at == 0 ? ellipsis : repeat("a", at) + ellipsis;
          if (at + 1 > max) expected = repeat("a", max - 1) + ellipsis;
        } else {
          // One character like the others (a lone continuation byte rides with the
          // character before it): the first max - 1, cut.
          expected = body.substr(0, max - 1) + ellipsis;
          if (odd == '\xC3' && at < max - 1) expected = body.substr(0, max) + ellipsis;
          if (odd == '\x80' && at < max) expected = body.substr(0, max) + ellipsis;
        }
        EXPECT_EQ(got, expected)
            << "max " << max << ", byte " << int(odd) << " at " << at;
        EXPECT_TRUE(valid_utf8(got) || odd == '\x80') << max << " " << at;
      }
    }
  }
}

TEST(PreviewDefaultsTest, AlwaysAPrefixOfTheFirstLine) {
  // Property over many bodies: valid UTF-8, within the limit, a prefix of the first
  // line, and cut exactly when something was left out.
  const std::vector<std::string> pieces{"a",  " ",  e_acute, nihon,
                                        grin, "\n", "\r\n",  "\t"};
  for (std::size_t seed = 0; seed < 2000; ++seed) {
    std::string body;
    std::size_t x = seed * 2654435761u + 1;
    for (std::size_t n = seed % 120; n > 0; --n) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      body += pieces[(x >> 33) % pieces.size()];
    }
    for (std::size_t max : {1u, 5u, 80u}) {
      auto got = cut_preview(body, max);
      ASSERT_TRUE(valid_utf8(got)) << body;
      ASSERT_LE(utf8_length(got), max) << body;
      bool cut =
          got.size() >= ellipsis.size() &&
          got.compare(got.size() - ellipsis.size(), ellipsis.size(), ellipsis) == 0;
      auto kept = cut ? got.substr(0, got.size() - ellipsis.size()) : got;
      ASSERT_EQ(body.compare(0, kept.size(), kept), 0) << body;
      ASSERT_EQ(kept.find_first_of("\r\n"), std::string::npos);
      auto rest = body.substr(kept.size());
      // Uncut means the whole first line was kept and nothing but blank lines follow.
      if (!cut) {
        ASSERT_EQ(rest.find_first_not_of("\r\n \t"), std::string::npos) << body;
      }
    }
  }
}

} // namespace

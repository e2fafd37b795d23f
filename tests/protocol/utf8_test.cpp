// Tests of the UTF-8 helpers (protocol/utf8): validation against the Unicode
// standard's table of well-formed byte sequences, and code point counting.
#include "protocol/utf8.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace {

using namespace parley::protocol;

// -- a reference decoder ----------------------------------------------------------------

/// The UTF-8 encoding of code point `cp` (no validity checks).
std::string encode(std::uint32_t cp) {
  std::string out;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return out;
}

/// Well-formedness straight from Table 3-7 of the Unicode standard (chapter 3.9):
/// the allowed range of each byte, by lead byte.
bool reference_valid(const std::string& s) {
  auto at = [&](std::size_t i) { return static_cast<std::uint8_t>(s[i]); };
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = at(i);
    std::size_t len;
    std::uint8_t lo = 0x80;
    std::uint8_t hi = 0xBF;
    if (b <= 0x7F) {
      ++i;
      continue;
    } else if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b == 0xE0) {
      len = 3, lo = 0xA0;
    } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
      len = 3;
    } else if (b == 0xED) {
      len = 3, hi = 0x9F;
    } else if (b == 0xF0) {
      len = 4, lo = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
      len = 4;
    } else if (b == 0xF4) {
      len = 4, hi = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i < len) return false;
    if (at(i + 1) < lo || at(i + 1) > hi) return false;
    for (std::size_t k = 2; k < len; ++k)
      if (at(i + k) < 0x80 || at(i + k) > 0xBF) return false;
    i += len;
  }
  return true;
}

std::string raw(std::initializer_list<unsigned> values) {
  std::string out;
  for (auto v : values)
    out += static_cast<char>(v);
  return out;
}

// -- valid_utf8 -------------------------------------------------------------------------

struct utf8_case {
  const char* name;
  std::string text;
  bool valid;
};

void PrintTo(const utf8_case& c, std::ostream* os) {
  *os << c.name;
}

class ValidUtf8Test : public ::testing::TestWithParam<utf8_case> {};

TEST_P(ValidUtf8Test, Table) {
  const auto& c = GetParam();
  EXPECT_EQ(valid_utf8(c.text), c.valid);
  EXPECT_EQ(reference_valid(c.text), c.valid) << "the table itself is wrong";
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidUtf8Test,
    ::testing::Values(
        utf8_case{"empty", "", true}, utf8_case{"ascii", "hello, world", true},
        utf8_case{"nul", std::string("a\0b", 3), true},
        utf8_case{"del", raw({0x7F}), true},
        utf8_case{"two_byte_min", raw({0xC2, 0x80}), true},
        utf8_case{"two_byte_max", raw({0xDF, 0xBF}), true},
        utf8_case{"e_acute", "caf\xC3\xA9", true},
        utf8_case{"three_byte_min", raw({0xE0, 0xA0, 0x80}), true},
        utf8_case{"before_surrogates", raw({0xED, 0x9F, 0xBF}), true},
        utf8_case{"after_surrogates", raw({0xEE, 0x80, 0x80}), true},
        utf8_case{"replacement_char", raw({0xEF, 0xBF, 0xBD}), true},
        utf8_case{"three_byte_max", raw({0xEF, 0xBF, 0xBF}), true},
        utf8_case{"cjk", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", true},
        utf8_case{"four_byte_min", raw({0xF0, 0x90, 0x80, 0x80}), true},
        utf8_case{"emoji", "\xF0\x9F\x98\x80", true},
        utf8_case{"max_code_point", raw({0xF4, 0x8F, 0xBF, 0xBF}), true},
        utf8_case{"mixed", "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80z", true},
        // Overlong forms.
        utf8_case{"overlong_nul", raw({0xC0, 0x80}), false},
        utf8_case{"overlong_slash_2", raw({0xC0, 0xAF}), false},
        utf8_case{"overlong_c1", raw({0xC1, 0xBF}), false},
        utf8_case{"overlong_3", raw({0xE0, 0x80, 0x80}), false},
        utf8_case{"overlong_3_max", raw({0xE0, 0x9F, 0xBF}), false},
        utf8_case{"overlong_slash_3", raw({0xE0, 0x80, 0xAF}), false},
        utf8_case{"overlong_4", raw({0xF0, 0x80, 0x80, 0x80}), false},
        utf8_case{"overlong_4_max", raw({0xF0, 0x8F, 0xBF, 0xBF}), false},
        // UTF-16 surrogates, alone and as a CESU-8 pair.
        utf8_case{"surrogate_high_min", raw({0xED, 0xA0, 0x80}), false},
        utf8_case{"surrogate_high_max", raw({0xED, 0xAF, 0xBF}), false},
        utf8_case{"surrogate_low_min", raw({0xED, 0xB0, 0x80}), false},
        utf8_case{"surrogate_low_max", raw({0xED, 0xBF, 0xBF}), false},
        utf8_case{"cesu_pair", raw({0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80}), false},
        // Beyond U+10FFFF, and lead bytes that never occur.
        utf8_case{"above_max", raw({0xF4, 0x90, 0x80, 0x80}), false},
        utf8_case{"lead_f5", raw({0xF5, 0x80, 0x80, 0x80}), false},
        utf8_case{"lead_f7", raw({0xF7, 0xBF, 0xBF, 0xBF}), false},
        utf8_case{"five_byte", raw({0xF8, 0x88, 0x80, 0x80, 0x80}), false},
        utf8_case{"six_byte", raw({0xFC, 0x84, 0x80, 0x80, 0x80, 0x80}), false},
        utf8_case{"lead_fe", raw({0xFE}), false},
        utf8_case{"lead_ff", raw({0xFF}), false},
        // Truncated sequences, at the end and in the middle.
        utf8_case{"truncated_2", raw({0xC3}), false},
        utf8_case{"truncated_3_of_1", raw({0xE2}), false},
        utf8_case{"truncated_3_of_2", raw({0xE2, 0x82}), false},
        utf8_case{"truncated_4_of_3", raw({0xF0, 0x9F, 0x98}), false},
        utf8_case{"truncated_after_text", "abc\xC3", false},
        utf8_case{"truncated_then_ascii",
                  "\xE2\x82"
                  "a",
                  false},
        utf8_case{"truncated_4_then_ascii",
                  "\xF0\x9F\x98"
                  "a",
                  false},
        // Continuation bytes where a lead byte belongs.
        utf8_case{"stray_80", raw({0x80}), false},
        utf8_case{"stray_bf", raw({0xBF}), false},
        utf8_case{"stray_in_text",
                  "a\x80"
                  "b",
                  false},
        utf8_case{"extra_continuation", "\xC3\xA9\xA9", false},
        utf8_case{"five_continuations", raw({0x80, 0x80, 0x80, 0x80, 0x80}), false},
        // Lead bytes followed by non-continuations.
        utf8_case{"bad_second_2", raw({0xC3, 0x28}), false},
        utf8_case{"bad_second_3", raw({0xE2, 0x28, 0xA1}), false},
        utf8_case{"bad_third_3", raw({0xE2, 0x82, 0x28}), false},
        utf8_case{"bad_second_4", raw({0xF0, 0x28, 0x8C, 0xBC}), false},
        utf8_case{"bad_fourth_4", raw({0xF0, 0x90, 0x8C, 0x28}), false},
        utf8_case{"lead_then_lead", raw({0xC3, 0xC3, 0xA9}), false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Utf8Test, EveryCodePoint) {
  for (std::uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    auto s = encode(cp);
    bool surrogate = cp >= 0xD800 && cp <= 0xDFFF;
    ASSERT_EQ(valid_utf8(s), !surrogate) << std::hex << cp;
    if (surrogate) continue;
    ASSERT_EQ(utf8_length(s), 1u) << std::hex << cp;
    ASSERT_EQ(utf8_prefix_bytes(s, 1), s.size()) << std::hex << cp;
    ASSERT_EQ(utf8_prefix_bytes(s, 0), 0u) << std::hex << cp;
  }
}

TEST(Utf8Test, AllShortStringsMatchTheStandard) {
  // Every string of one, two and three bytes.
  std::string s;
  for (unsigned a = 0; a < 256; ++a) {
    s.assign(1, static_cast<char>(a));
    ASSERT_EQ(valid_utf8(s), reference_valid(s)) << a;
    for (unsigned b = 0; b < 256; ++b) {
      s.assign({static_cast<char>(a), static_cast<char>(b)});
      ASSERT_EQ(valid_utf8(s), reference_valid(s)) << a << " " << b;
      for (unsigned c = 0; c < 256; ++c) {
        s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)});
        ASSERT_EQ(valid_utf8(s), reference_valid(s)) << a << " " << b << " " << c;
      }
    }
  }
}

TEST(Utf8Test, FourByteStringsMatchTheStandard) {
  // Every lead and second byte, with boundary values for the last two.
  const unsigned tails[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0xBF, 0xC0, 0xFF};
  std::string s;
  for (unsigned a = 0xC0; a < 256; ++a)
    for (unsigned b = 0; b < 256; ++b)
      for (unsigned c : tails)
        for (unsigned d : tails) {
          s.assign({static_cast<char>(a), static_cast<char>(b), static_cast<char>(c),
                    static_cast<char>(d)});
          ASSERT_EQ(valid_utf8(s), reference_valid(s))
              << a << " " << b << " " << c << " " << d;
        }
}

// -- utf8_length and utf8_prefix_bytes
// ---------------------------------------------------

TEST(Utf8Test, Length) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("hello"), 5u);
  EXPECT_EQ(utf8_length(std::string("a\0b", 3)), 3u);
  EXPECT_EQ(utf8_length("h\xC3\xA9llo"), 5u);
  EXPECT_EQ(utf8_length("\xE6\x97\xA5\xE6\x9C\xAC"), 2u);
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80"), 1u);
  EXPECT_EQ(utf8_length("a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80z"), 5u);
  // A family emoji is several code points joined by U+200D: counted as code points.
  EXPECT_EQ(utf8_length("\xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9"), 3u);
}

TEST(Utf8Test, PrefixBytes) {
  const std::string s = "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80z"; // a é 日 😀 z
  const std::vector<std::size_t> expected{0, 1, 3, 6, 10, 11, 11, 11};
  for (std::size_t chars = 0; chars < expected.size(); ++chars)
    EXPECT_EQ(utf8_prefix_bytes(s, chars), expected[chars]) << chars;
  EXPECT_EQ(utf8_prefix_bytes("", 0), 0u);
  EXPECT_EQ(utf8_prefix_bytes("", 5), 0u);
  EXPECT_EQ(utf8_prefix_bytes("abc", 2), 2u);
  EXPECT_EQ(utf8_prefix_bytes("abc", static_cast<std::size_t>(-1)), 3u);
}

TEST(Utf8Test, PrefixNeverSplitsACharacter) {
  const std::string s = "x\xF0\x9F\x98\x80\xC3\xA9\xE6\x97\xA5y\xF0\x9F\x98\x80";
  for (std::size_t chars = 0; chars <= utf8_length(s) + 1; ++chars) {
    auto n = utf8_prefix_bytes(s, chars);
    auto prefix = s.substr(0, n);
    EXPECT_TRUE(valid_utf8(prefix)) << chars;
    EXPECT_EQ(utf8_length(prefix), std::min(chars, utf8_length(s))) << chars;
  }
}

// valid_utf8 skips ASCII eight bytes at a time: every position of a bad or
// multi-byte sequence inside and around such runs must still be checked.
TEST(Utf8Test, LongStringsMatchTheStandardAtEveryOffset) {
  const std::vector<std::string> inserts{
      "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xC3",
      "\x80",     "\xED\xA0\x80", "\xC0\xAF",         "\xF4\x90\x80\x80"};
  for (const auto& insert : inserts)
    for (std::size_t before = 0; before <= 17; ++before)
      for (std::size_t after = 0; after <= 17; ++after) {
        auto s = std::string(before, 'a') + insert + std::string(after, 'b');
        ASSERT_EQ(valid_utf8(s), reference_valid(s)) << before << " " << after;
      }
}

// -- valid_text -------------------------------------------------------------------------

TEST(ValidText, RefusesNulAnywhereAndInvalidUtf8) {
  using namespace std::string_literals;
  struct row {
    std::string text;
    bool valid;
  };
  const std::vector<row> rows{
      {"", true},
      {"hello", true},
      {"caf\xC3\xA9", true},
      {"\0"s, false},
      {"a\0b"s, false},
      {"end\0"s, false},
      {"\0start"s, false},
      {"\xC0\x80", false},
      {"\xff", false},
      {"\x01\x1f\x7f", true}, // other controls are text; only U+0000 cannot be stored
  };
  for (const auto& r : rows)
    EXPECT_EQ(valid_text(r.text), r.valid) << "text of " << r.text.size() << " bytes";
}

} // namespace

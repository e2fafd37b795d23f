// The rate limit on recurring log lines (actors/rules/log_limiter.hpp) as a table of
// event times and whether each gets its line.
#include <gtest/gtest.h>

#include <vector>

#include "actors/rules/log_limiter.hpp"

namespace parley {
namespace {

TEST(log_limiter, one_line_per_interval_with_the_count_held_back) {
  struct step {
    std::int64_t at_ms;
    bool written;
    std::uint64_t held_back; // when written
    const char* why;
  };
  log_limiter limit{10'000};
  std::vector<step> steps{
      {5'000, true, 0, "the first failure is written at once"},
      {5'001, false, 0, "then held back"},
      {9'000, false, 0, "still within the interval"},
      {14'999, false, 0, "a millisecond short"},
      {15'000, true, 3, "the interval is over: three were held back"},
      {40'000, true, 0, "quiet for long: written, nothing held back"},
      {40'000, false, 0, "the same moment"},
      {50'000, true, 1, "the next interval"},
  };
  for (const auto& s : steps) {
    std::uint64_t held = 99;
    EXPECT_EQ(limit.allow(s.at_ms, held), s.written) << s.why;
    if (s.written) {
      EXPECT_EQ(held, s.held_back) << s.why;
    }
  }
}

} // namespace
} // namespace parley

// The per-connection request budget (docs/protocol.md §11) as a table of
// request times and the answers they get.
#include <gtest/gtest.h>

#include "actors/rules/token_bucket.hpp"

namespace parley {
namespace {

TEST(token_bucket, a_full_bucket_allows_the_burst_then_refuses) {
  token_bucket b{50, 200};
  for (int i = 0; i < 200; ++i)
    ASSERT_TRUE(b.take(1000)) << i;
  EXPECT_FALSE(b.take(1000));
  EXPECT_EQ(b.available(), 0u);
}

TEST(token_bucket, refills_at_the_rate) {
  struct step {
    std::int64_t at_ms;
    bool allowed;
    const char* why;
  };
  token_bucket b{50, 2}; // one token per 20 ms, at most 2
  std::vector<step> steps{
      {0, true, "full bucket"},
      {0, true, "second of the burst"},
      {0, false, "empty"},
      {10, false, "half a token"},
      {20, true, "one token after 20 ms"},
      {20, false, "spent"},
      {1000, true, "refilled to the cap, not beyond"},
      {1000, true, "second token of the cap"},
      {1000, false, "the cap is 2"},
      {999, false, "a clock that steps back adds nothing"},
      {1040, true, "two tokens in 40 ms"},
      {1040, true, "second of them"},
      {1040, false, "empty again"},
  };
  for (const auto& s : steps)
    EXPECT_EQ(b.take(s.at_ms), s.allowed) << s.why << " at " << s.at_ms;
}

TEST(token_bucket, sustained_rate_is_the_configured_rate) {
  token_bucket b{50, 200};
  int allowed = 0;
  // 10 s of 1,000 requests a second: the burst plus 50 a second.
  for (std::int64_t ms = 0; ms < 10'000; ++ms)
    if (b.take(ms)) ++allowed;
  EXPECT_GE(allowed, 200 + 499);
  EXPECT_LE(allowed, 200 + 500);
}

TEST(token_bucket, rate_zero_disables_the_limit) {
  token_bucket b{0, 1};
  for (int i = 0; i < 10'000; ++i)
    ASSERT_TRUE(b.take(0));
}

} // namespace
} // namespace parley

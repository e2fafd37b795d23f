// Table-driven tests of the fan-out tools' timing stamp: what parse_stamp accepts (a
// stamp alone, as parley-fanout's cid, or before a space and filler, as the NATS and
// XMPP payloads) and what it refuses.
#include "bench/loadgen/fanout_stamp.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace parley::bench {
namespace {

using clock = std::chrono::steady_clock;

TEST(FanoutStamp, RoundTrips) {
  const auto due = clock::time_point{clock::duration{1'234'567'890'123}};
  const std::string stamp = make_stamp(3, 17, due);
  EXPECT_EQ(stamp, "3-17-1234567890123");
  for (const std::string& text : {stamp, stamp + " lorem ipsum", stamp + " "}) {
    fanout_stamp s;
    ASSERT_TRUE(parse_stamp(text, s)) << text;
    EXPECT_EQ(s.step, 3u) << text;
    EXPECT_EQ(s.due, due) << text;
  }
}

TEST(FanoutStamp, RefusesWhatIsNoStamp) {
  const std::string_view rows[] = {
      "",
      "3",
      "3-17",
      "3-17-",
      "-17-5",
      "3-x-5",
      "3-17-5x",
      "3-17-5-",
      "a3-17-5",
      "fanout-1-2 room",
      " 3-17-5",
      "3_17_5",
      "3-17-5\tbody",
      "18446744073709551616-1-2",
  };
  for (auto text : rows) {
    fanout_stamp s;
    EXPECT_FALSE(parse_stamp(text, s)) << text;
  }
}

} // namespace
} // namespace parley::bench

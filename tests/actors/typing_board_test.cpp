// Typing state (docs/protocol.md §7) as tables of events and what the others
// hear: starts, refreshes, switches to internal, stops, the 6 s expiry, disconnects.
#include <gtest/gtest.h>

#include "actors/rules/typing_board.hpp"

namespace parley {
namespace {

using board = typing_board<int>; // the source: a connection number

TEST(typing_board, starts_refreshes_and_stops) {
  board b;
  struct step {
    const char* what;
    bool start; // false: stop
    bool internal;
    std::int64_t at;
    bool heard; // start: others hear `start`; stop: others hear `stop`
  };
  std::vector<step> steps{
      {"first start is heard", true, false, 0, true},
      {"a refresh is not", true, false, 2000, false},
      {"switching to internal is", true, true, 3000, true},
      {"stop is heard", false, false, 3500, true},
      {"a second stop is not", false, false, 3600, false},
      {"starting again is heard", true, false, 4000, true},
  };
  for (const auto& s : steps) {
    bool heard =
        s.start ? b.start("alice", s.internal, s.at, 1) : b.stop("alice").has_value();
    EXPECT_EQ(heard, s.heard) << s.what;
  }
}

TEST(typing_board, a_start_expires_six_seconds_after_its_last_refresh) {
  board b;
  b.start("alice", false, 0, 1);
  b.start("bob", true, 1000, 2);
  b.start("alice", false, 4000, 1); // refresh: alice now expires at 10,000
  EXPECT_EQ(b.next_expiry(), 7000);
  EXPECT_TRUE(b.expire(6999).empty());
  auto gone = b.expire(7000);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].first, "bob");
  EXPECT_TRUE(gone[0].second.internal);
  EXPECT_EQ(b.next_expiry(), 10000);
  EXPECT_TRUE(b.expire(9999).empty());
  EXPECT_EQ(b.expire(10000).size(), 1u);
  EXPECT_TRUE(b.empty());
  EXPECT_FALSE(b.next_expiry());
}

TEST(typing_board, a_disconnect_stops_what_that_connection_typed) {
  board b;
  b.start("alice", false, 0, 1);
  b.start("bob", false, 0, 2);
  auto gone = b.drop_source(1);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].first, "alice");
  EXPECT_TRUE(b.drop_source(1).empty());
  EXPECT_FALSE(b.stop("alice"));
  EXPECT_TRUE(b.stop("bob"));
}

TEST(typing_board, the_latest_connection_owns_a_users_typing) {
  board b;
  b.start("alice", false, 0, 1);
  b.start("alice", false, 100, 2); // another device of alice types
  EXPECT_TRUE(b.drop_source(1).empty());
  EXPECT_EQ(b.drop_source(2).size(), 1u);
}

} // namespace
} // namespace parley

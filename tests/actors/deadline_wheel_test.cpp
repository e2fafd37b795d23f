// The node's timer wheel (actors/rules/deadline_wheel.hpp): a token is taken at
// the first bucket boundary at or after its deadline, never early and at most one
// granularity late, earliest first.
#include "actors/rules/deadline_wheel.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley {
namespace {

TEST(deadline_wheel, boundary_rounds_up_to_the_granularity) {
  deadline_wheel<int> w{25};
  struct row {
    std::int64_t due, boundary;
  };
  for (auto r : std::vector<row>{{0, 0},
                                 {1, 25},
                                 {24, 25},
                                 {25, 25},
                                 {26, 50},
                                 {1'000'000'001, 1'000'000'025},
                                 {-1, 0},
                                 {-25, -25},
                                 {-26, -25}})
    EXPECT_EQ(w.boundary(r.due), r.boundary) << r.due;
}

TEST(deadline_wheel, takes_nothing_before_the_boundary_and_everything_due_at_it) {
  deadline_wheel<std::string> w{25};
  w.add(110, "b");  // bucket 125
  w.add(101, "a");  // bucket 125, filed after b
  w.add(126, "c");  // bucket 150
  w.add(1000, "d"); // bucket 1000
  EXPECT_EQ(w.size(), 4u);
  EXPECT_EQ(w.next_due(), 125);
  EXPECT_TRUE(w.take_due(100).empty()); // a is due at 101 but its bucket at 125
  EXPECT_TRUE(w.take_due(124).empty());
  EXPECT_EQ(w.take_due(125), (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(w.next_due(), 150);
  EXPECT_EQ(w.size(), 2u);
  // A late sweep takes every bucket it passed, earliest first.
  w.add(130, "e"); // bucket 150, after c
  EXPECT_EQ(w.take_due(5000), (std::vector<std::string>{"c", "e", "d"}));
  EXPECT_TRUE(w.empty());
  EXPECT_EQ(w.size(), 0u);
  EXPECT_EQ(w.next_due(), std::nullopt);
}

TEST(deadline_wheel, never_early_and_at_most_one_granularity_late) {
  for (std::int64_t g : {1, 7, 25, 1000}) {
    deadline_wheel<std::int64_t> w{g};
    for (std::int64_t due = 0; due < 3 * g + 5; ++due) {
      w.add(due, due);
      auto at = *w.next_due();
      EXPECT_TRUE(w.take_due(at - 1).empty()) << g << " " << due;
      auto taken = w.take_due(at);
      ASSERT_EQ(taken.size(), 1u);
      EXPECT_EQ(taken[0], due);
      EXPECT_GE(at, due);
      EXPECT_LT(at - due, g);
    }
  }
}

TEST(deadline_wheel, a_granularity_below_one_is_one) {
  deadline_wheel<int> w{0};
  EXPECT_EQ(w.granularity(), 1);
  w.add(5, 1);
  EXPECT_EQ(w.next_due(), 5);
}

} // namespace
} // namespace parley

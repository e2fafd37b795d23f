// The recent-message memory of a conversation: a ring by seq, without actors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/rules/recent_messages.hpp"

namespace parley {
namespace {

/// Remembers seqs [from, to] written by "u<seq>" with preview "p<seq>".
void fill(recent_messages& r, std::uint64_t from, std::uint64_t to) {
  for (auto s = from; s <= to; ++s)
    r.remember(s, "u" + std::to_string(s), "p" + std::to_string(s), s % 2 == 0);
}

std::vector<std::uint64_t> after(const recent_messages& r, std::uint64_t seq) {
  std::vector<std::uint64_t> out;
  r.for_each_after(seq, [&](const recent_message& m) { out.push_back(m.ref.seq); });
  return out;
}

TEST(recent_messages, finds_what_it_remembers) {
  recent_messages r{4};
  fill(r, 1, 3);
  ASSERT_NE(r.find(2), nullptr);
  EXPECT_EQ(r.find(2)->ref.author, "u2");
  EXPECT_EQ(r.find(2)->ref.preview, "p2");
  EXPECT_TRUE(r.find(2)->internal);
  EXPECT_FALSE(r.find(3)->internal);
  EXPECT_EQ(r.find(0), nullptr);
  EXPECT_EQ(r.find(4), nullptr);
}

// Each row: capacity, seqs remembered [from, to], then which seqs are found.
struct window_case {
  std::size_t capacity;
  std::uint64_t from, to;
  std::uint64_t first_found, last_found;
};

TEST(recent_messages, keeps_the_newest_capacity_messages) {
  const window_case cases[] = {
      {4, 1, 4, 1, 4},         // exactly full
      {4, 1, 5, 2, 5},         // the first overwritten
      {4, 1, 11, 8, 11},       // wrapped more than twice
      {4, 100, 102, 100, 102}, // a conversation loaded at seq 99
      {256, 1, 1000, 745, 1000}, {1, 5, 9, 9, 9},
  };
  for (const auto& c : cases) {
    recent_messages r{c.capacity};
    fill(r, c.from, c.to);
    SCOPED_TRACE(std::to_string(c.capacity) + " " + std::to_string(c.to));
    EXPECT_EQ(r.find(c.first_found - 1), nullptr);
    for (auto s = c.first_found; s <= c.last_found; ++s) {
      ASSERT_NE(r.find(s), nullptr) << s;
      EXPECT_EQ(r.find(s)->ref.seq, s);
      EXPECT_EQ(r.find(s)->ref.author, "u" + std::to_string(s));
      EXPECT_EQ(r.find(s)->ref.preview, "p" + std::to_string(s));
    }
    EXPECT_EQ(r.find(c.last_found + 1), nullptr);
  }
}

TEST(recent_messages, lists_the_messages_after_a_seq_oldest_first) {
  recent_messages r{4};
  fill(r, 1, 6); // holds 3..6
  EXPECT_EQ(after(r, 0), (std::vector<std::uint64_t>{3, 4, 5, 6}));
  EXPECT_EQ(after(r, 4), (std::vector<std::uint64_t>{5, 6}));
  EXPECT_TRUE(after(r, 6).empty());
  EXPECT_TRUE(after(r, 60).empty());
  EXPECT_TRUE(after(recent_messages{4}, 0).empty());
}

// Not seen in a running conversation; the ring starts again from the new seq.
TEST(recent_messages, a_seq_out_of_order_starts_afresh) {
  recent_messages r{4};
  fill(r, 1, 3);
  r.remember(10, "x", "gap", false);
  EXPECT_EQ(r.find(3), nullptr);
  EXPECT_EQ(r.find(10)->ref.preview, "gap");
  EXPECT_EQ(r.size(), 1u);
  r.remember(10, "y", "again", true);
  EXPECT_EQ(r.find(10)->ref.author, "y");
  EXPECT_EQ(after(r, 0), (std::vector<std::uint64_t>{10}));
}

TEST(recent_messages, a_capacity_of_zero_remembers_nothing) {
  recent_messages r{0};
  fill(r, 1, 3);
  EXPECT_EQ(r.find(3), nullptr);
  EXPECT_TRUE(after(r, 0).empty());
}

} // namespace
} // namespace parley

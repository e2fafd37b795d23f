// Requests waiting for answers under one timeout: a queue by key, taken in any
// order, due oldest first. No actors, no clock.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "actors/rules/deadline_fifo.hpp"

namespace parley {
namespace {

using fifo = deadline_fifo<std::uint64_t, std::string>;

/// Files keys 1..n, key k due at 100 + 10 k with value "v<k>".
fifo filled(std::uint64_t n) {
  fifo f;
  for (std::uint64_t k = 1; k <= n; ++k)
    f.push(k, 100 + 10 * static_cast<std::int64_t>(k), "v" + std::to_string(k));
  return f;
}

std::vector<std::uint64_t> due_at(fifo& f, std::int64_t now) {
  std::vector<std::uint64_t> out;
  f.take_due(now, [&](fifo::item&& i) { out.push_back(i.key); });
  return out;
}

TEST(deadline_fifo, starts_empty) {
  fifo f;
  EXPECT_TRUE(f.empty());
  EXPECT_EQ(f.size(), 0u);
  EXPECT_FALSE(f.take(1));
  EXPECT_TRUE(due_at(f, 1'000'000).empty());
}

// Each row: how many filed, which are answered (in that order), then the next
// deadline and what is due at a time.
struct take_case {
  std::uint64_t filed;
  std::vector<std::uint64_t> answered;
  std::int64_t next_deadline;
  std::int64_t now;
  std::vector<std::uint64_t> due;
};

TEST(deadline_fifo, answers_in_any_order_leave_the_rest_due_oldest_first) {
  const take_case cases[] = {
      {3, {}, 110, 125, {1, 2}},
      {3, {1}, 120, 125, {2}},
      {3, {2}, 110, 135, {1, 3}},
      {3, {3, 1}, 120, 200, {2}},
      {5, {2, 3, 4}, 110, 200, {1, 5}},
      {5, {1, 2, 3, 4}, 150, 149, {}},
      {100, {1, 50, 99}, 120, 150, {2, 3, 4, 5}},
  };
  for (const auto& c : cases) {
    auto f = filled(c.filed);
    for (auto k : c.answered)
      EXPECT_TRUE(f.take(k)) << k;
    SCOPED_TRACE(std::to_string(c.filed) + " filed");
    EXPECT_EQ(f.size(), c.filed - c.answered.size());
    EXPECT_EQ(f.next_deadline(), c.next_deadline);
    EXPECT_EQ(due_at(f, c.now), c.due);
  }
}

TEST(deadline_fifo, an_answer_counts_once) {
  auto f = filled(3);
  EXPECT_TRUE(f.take(2));
  EXPECT_FALSE(f.take(2));
  EXPECT_FALSE(f.take(7)); // never filed
  EXPECT_EQ(due_at(f, 200), (std::vector<std::uint64_t>{1, 3}));
  EXPECT_FALSE(f.take(1)); // already due: the late answer finds nothing
  EXPECT_TRUE(f.empty());
}

TEST(deadline_fifo, due_items_carry_their_values) {
  auto f = filled(2);
  std::vector<std::string> values;
  f.take_due(200, [&](fifo::item&& i) { values.push_back(i.value); });
  EXPECT_EQ(values, (std::vector<std::string>{"v1", "v2"}));
}

// A long run with answers mostly in order and a straggler: the queue keeps
// working across the cuts of its taken prefix.
TEST(deadline_fifo, keeps_order_across_many_requests) {
  fifo f;
  std::int64_t t = 0;
  for (std::uint64_t k = 1; k <= 1000; ++k) {
    f.push(k, t + 5000, "v");
    t += 1;
    if (k > 3 && k != 500 + 3) { // 500 straggles
      EXPECT_TRUE(f.take(k - 3));
    }
  }
  EXPECT_EQ(f.size(), 4u); // 500, 998, 999, 1000
  EXPECT_EQ(f.next_deadline(), 499 + 5000);
  EXPECT_EQ(due_at(f, 5997), (std::vector<std::uint64_t>{500, 998}));
  EXPECT_TRUE(f.take(1000));
  EXPECT_EQ(due_at(f, 1'000'000), (std::vector<std::uint64_t>{999}));
  EXPECT_TRUE(f.empty());
}

// What the due callback files or takes is seen by the same sweep.
TEST(deadline_fifo, the_due_callback_may_file_and_take) {
  auto f = filled(3); // due 110, 120, 130
  std::vector<std::uint64_t> seen;
  f.take_due(120, [&](fifo::item&& i) {
    seen.push_back(i.key);
    if (i.key == 1) {
      EXPECT_TRUE(f.take(2));
      f.push(4, 130, "v4");
    }
  });
  EXPECT_EQ(seen, (std::vector<std::uint64_t>{1}));
  EXPECT_EQ(due_at(f, 130), (std::vector<std::uint64_t>{3, 4}));
}

} // namespace
} // namespace parley

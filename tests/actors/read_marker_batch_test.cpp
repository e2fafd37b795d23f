// read_marker_batch: the writer's pending read markers (actors/rules).
#include <gtest/gtest.h>

#include "actors/rules/read_marker_batch.hpp"

namespace parley {
namespace {

struct request {
  const char* conv;
  const char* user;
  std::uint64_t seq;
  std::uint64_t upto;
  std::int64_t ts;
};

struct expected_row {
  const char* conv;
  const char* user;
  std::uint64_t seq;
  std::uint64_t upto;
  std::int64_t ts;
  std::vector<int> waiters;
};

struct case_t {
  const char* name;
  std::vector<request> requests;
  std::vector<bool> first; // add's answer per request
  std::vector<expected_row> rows;
};

TEST(read_marker_batch, merges_per_conversation_and_user) {
  const std::vector<case_t> cases{
      {"one request", {{"c1", "u1", 3, 5, 10}}, {true}, {{"c1", "u1", 3, 5, 10, {0}}}},
      {"same user twice: highest seq and upto, both waiters",
       {{"c1", "u1", 4, 5, 10}, {"c1", "u1", 2, 6, 11}},
       {true, false},
       {{"c1", "u1", 4, 6, 11, {0, 1}}}},
      {"two users of one conversation stay apart",
       {{"c1", "u1", 1, 2, 10}, {"c1", "u2", 2, 2, 10}},
       {true, false},
       {{"c1", "u1", 1, 2, 10, {0}}, {"c1", "u2", 2, 2, 10, {1}}}},
      {"one user in two conversations stays apart",
       {{"c2", "u1", 7, 7, 10}, {"c1", "u1", 1, 1, 10}},
       {true, false},
       {{"c1", "u1", 1, 1, 10, {1}}, {"c2", "u1", 7, 7, 10, {0}}}},
  };
  for (const auto& c : cases) {
    read_marker_batch<int> batch;
    for (std::size_t i = 0; i < c.requests.size(); ++i) {
      const auto& r = c.requests[i];
      EXPECT_EQ(
          batch.add(r.conv, r.user, r.seq, r.upto, false, r.ts, static_cast<int>(i)),
          c.first[i])
          << c.name << ", request " << i;
    }
    EXPECT_EQ(batch.size(), c.rows.size()) << c.name;
    auto rows = batch.take();
    EXPECT_TRUE(batch.empty()) << c.name;
    ASSERT_EQ(rows.size(), c.rows.size()) << c.name;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_EQ(rows[i].conv, c.rows[i].conv) << c.name;
      EXPECT_EQ(rows[i].user, c.rows[i].user) << c.name;
      EXPECT_EQ(rows[i].seq, c.rows[i].seq) << c.name;
      EXPECT_EQ(rows[i].upto, c.rows[i].upto) << c.name;
      EXPECT_EQ(rows[i].ts, c.rows[i].ts) << c.name;
      EXPECT_EQ(rows[i].waiters, c.rows[i].waiters) << c.name;
    }
  }
}

TEST(read_marker_batch, is_first_again_after_take) {
  read_marker_batch<int> batch;
  EXPECT_TRUE(batch.add("c1", "u1", 1, 1, false, 0, 0));
  EXPECT_FALSE(batch.add("c1", "u2", 1, 1, false, 0, 1));
  EXPECT_EQ(batch.take().size(), 2u);
  EXPECT_TRUE(batch.add("c1", "u1", 2, 2, true, 0, 2));
  auto rows = batch.take();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].sees_internal);
}

} // namespace
} // namespace parley

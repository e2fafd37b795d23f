// The group-commit policy: everything pending goes in the next transaction (no
// timer), batches are bounded, and a failed epoch refuses its later writes.
#include <gtest/gtest.h>

#include "actors/commit_policy.hpp"

namespace parley {
namespace {

TEST(commit_policy, one_request_alone_commits_at_once) {
  commit_policy<int> p;
  EXPECT_FALSE(p.offer("c1", 0, 1));
  auto batch = p.take_batch();
  ASSERT_EQ(batch.size(), 1u);
  EXPECT_EQ(batch[0].request, 1);
  EXPECT_FALSE(p.has_pending());
}

TEST(commit_policy, everything_that_accumulated_goes_in_one_batch) {
  commit_policy<int> p;
  for (int i = 0; i < 100; ++i)
    EXPECT_FALSE(p.offer("c" + std::to_string(i % 7), 0, i));
  auto batch = p.take_batch();
  ASSERT_EQ(batch.size(), 100u);
  for (int i = 0; i < 100; ++i)
    EXPECT_EQ(batch[i].request, i); // arrival order
}

TEST(commit_policy, batches_are_bounded_and_keep_order) {
  commit_policy<int> p{4};
  for (int i = 0; i < 10; ++i)
    p.offer("c", 0, i);
  std::vector<std::size_t> sizes;
  int expected = 0;
  while (p.has_pending()) {
    auto b = p.take_batch();
    sizes.push_back(b.size());
    for (auto& item : b)
      EXPECT_EQ(item.request, expected++);
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{4, 4, 2}));
}

TEST(commit_policy, a_failed_epoch_refuses_its_later_writes) {
  struct tcase {
    const char* conv;
    std::uint64_t epoch;
    bool refused;
  };
  commit_policy<int> p;
  p.mark_failed("c1", 3);
  for (const auto& tc : std::vector<tcase>{
           {"c1", 2, true},  // older epoch
           {"c1", 3, true},  // the failed epoch
           {"c1", 4, false}, // the conversation moved on
           {"c2", 3, false}, // another conversation
       }) {
    EXPECT_EQ(p.offer(tc.conv, tc.epoch, 0).has_value(), tc.refused)
        << tc.conv << "@" << tc.epoch;
  }
}

TEST(commit_policy, marking_a_failure_hands_back_pending_writes_of_that_epoch) {
  commit_policy<int> p{1};
  p.offer("c1", 0, 10);
  p.offer("c1", 0, 11);
  p.offer("c2", 0, 20);
  p.offer("c1", 1, 12);
  auto first = p.take_batch(); // c1@0 #10 goes to the database and fails
  ASSERT_EQ(first.size(), 1u);
  auto stale = p.mark_failed("c1", 0);
  EXPECT_EQ(stale, std::vector<int>{11});
  std::vector<int> left;
  while (p.has_pending())
    for (auto& i : p.take_batch())
      left.push_back(i.request);
  EXPECT_EQ(left, (std::vector<int>{20, 12}));
}

} // namespace
} // namespace parley

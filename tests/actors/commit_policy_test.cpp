// The group-commit policy: everything pending goes in the next transaction (no
// timer), batches are bounded, and a failed epoch refuses its later writes.
#include <gtest/gtest.h>

#include "actors/rules/commit_policy.hpp"
#include "actors/rules/seq_ledger.hpp"

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

TEST(commit_policy, a_newer_epoch_ends_the_record_of_a_failure) {
  commit_policy<int> p;
  p.mark_failed("c1", 3);
  EXPECT_EQ(p.failed_records(), 1u);
  EXPECT_FALSE(p.offer("c1", 9, 1)); // the conversation moved on
  EXPECT_EQ(p.failed_records(), 0u);
  // A failure marked while newer writes are pending hands back only older ones.
  p.mark_failed("c1", 5);
  EXPECT_EQ(p.failed_records(), 1u);
  EXPECT_FALSE(p.is_failed("c1", 9));
}

TEST(commit_policy, the_record_of_failures_is_bounded_oldest_first) {
  commit_policy<int> p{2048, 3};
  for (std::uint64_t e = 1; e <= 5; ++e)
    p.mark_failed("c" + std::to_string(e), e * 10);
  EXPECT_EQ(p.failed_records(), 3u);
  EXPECT_FALSE(p.is_failed("c1", 10)); // the two oldest are forgotten
  EXPECT_FALSE(p.is_failed("c2", 20));
  EXPECT_TRUE(p.is_failed("c3", 30));
  EXPECT_TRUE(p.is_failed("c5", 50));
  // Raising a recorded failure makes it the newest.
  p.mark_failed("c3", 60);
  p.mark_failed("c6", 55);
  EXPECT_TRUE(p.is_failed("c3", 60));
  EXPECT_FALSE(p.is_failed("c4", 40));
  EXPECT_EQ(p.failed_records(), 3u);
}

// The fault of issue 18: failures used to be recorded forever while a reloaded
// conversation started again at epoch 0, so its first sends after every reload
// were refused. Epochs now come from one process-wide counter.
TEST(commit_policy, a_reloaded_conversation_is_never_refused_for_an_old_failure) {
  commit_policy<int> p;
  for (int incarnation = 0; incarnation < 5; ++incarnation) {
    seq_ledger<int> ledger{0, 0};
    p.mark_failed("c1", ledger.epoch()); // its first commit fails
    ledger.assign(protocol::message{}, 1, 1);
    ledger.fail(ledger.epoch()); // takes a new epoch
    EXPECT_FALSE(p.offer("c1", ledger.epoch(), incarnation)) << incarnation;
    seq_ledger<int> reloaded{0, 0}; // passivated and loaded again
    EXPECT_FALSE(p.offer("c1", reloaded.epoch(), incarnation)) << incarnation;
    p.take_batch();
  }
}

TEST(commit_policy, a_batch_splits_in_halves_of_whole_conversations) {
  using policy = commit_policy<int>;
  struct tcase {
    std::vector<const char*> convs; // one item each, in order
    std::vector<int> first, second; // item indexes
  };
  for (const auto& tc : std::vector<tcase>{
           {{"a"}, {0}, {}},
           {{"a", "a", "a"}, {0, 1, 2}, {}},
           {{"a", "b"}, {0}, {1}},
           {{"a", "b", "a", "c", "b"}, {0, 1, 2, 4}, {3}},
           {{"a", "b", "c", "d"}, {0, 1}, {2, 3}},
           {{"d", "c", "d", "b", "a", "c"}, {0, 1, 2, 5}, {3, 4}},
       }) {
    std::vector<policy::item> items;
    for (std::size_t i = 0; i < tc.convs.size(); ++i)
      items.push_back(policy::item{tc.convs[i], 0, static_cast<int>(i)});
    auto [first, second] = policy::split_in_halves(std::move(items));
    auto ids = [](const std::vector<policy::item>& v) {
      std::vector<int> out;
      for (const auto& i : v)
        out.push_back(i.request);
      return out;
    };
    EXPECT_EQ(ids(first), tc.first) << tc.convs.size() << " items";
    EXPECT_EQ(ids(second), tc.second) << tc.convs.size() << " items";
  }
}

} // namespace
} // namespace parley

// The conversation's sequencing rules, without actors: seq assignment, batches,
// commits, failures that roll back without gaps, and idempotency.
#include <gtest/gtest.h>

#include "actors/rules/seq_ledger.hpp"

namespace parley {
namespace {

protocol::message msg(const std::string& author, const std::string& cid) {
  protocol::message m;
  m.author = author;
  m.cid = cid;
  m.body = "b";
  return m;
}

using ledger = seq_ledger<int>;

TEST(seq_ledger, assigns_consecutive_seqs_after_the_last_committed) {
  ledger l{41, 1000};
  EXPECT_EQ(l.assign(msg("a", "1"), 1, 2000).seq, 42u);
  EXPECT_EQ(l.assign(msg("a", "2"), 2, 2000).seq, 43u);
  EXPECT_EQ(l.next_seq(), 44u);
  EXPECT_EQ(l.last_committed(), 41u);
  EXPECT_EQ(l.in_flight(), 2u);
}

TEST(seq_ledger, timestamps_never_go_back) {
  ledger l{0, 5000};
  EXPECT_EQ(l.assign(msg("a", "1"), 1, 4000).ts, 5000); // clock behind the last message
  EXPECT_EQ(l.assign(msg("a", "2"), 2, 6000).ts, 6000);
  EXPECT_EQ(l.assign(msg("a", "3"), 3, 5500).ts, 6000);
}

TEST(seq_ledger, batches_commit_in_order_and_answer_their_waiters) {
  ledger l{0, 0};
  l.assign(msg("a", "1"), 1, 1);
  l.assign(msg("a", "2"), 2, 1);
  auto b1 = l.take_unsent();
  ASSERT_EQ(b1.size(), 2u);
  l.assign(msg("a", "3"), 3, 1);
  auto b2 = l.take_unsent();
  ASSERT_EQ(b2.size(), 1u);
  EXPECT_TRUE(l.take_unsent().empty());
  auto c1 = l.commit(l.epoch());
  ASSERT_EQ(c1.size(), 2u);
  EXPECT_EQ(c1[0].msg.seq, 1u);
  EXPECT_EQ(c1[1].waiters, std::vector<int>{2});
  EXPECT_EQ(l.last_committed(), 2u);
  auto c2 = l.commit(l.epoch());
  ASSERT_EQ(c2.size(), 1u);
  EXPECT_EQ(l.last_committed(), 3u);
  EXPECT_TRUE(l.idle());
}

TEST(seq_ledger, a_failed_batch_fails_everything_after_it_and_rolls_back) {
  ledger l{10, 0};
  l.assign(msg("a", "1"), 1, 1); // 11
  l.take_unsent();
  l.assign(msg("a", "2"), 2, 1); // 12
  l.take_unsent();
  l.assign(msg("a", "3"), 3, 1); // 13, not yet sent
  auto e = l.epoch();
  auto failed = l.fail(e);
  ASSERT_EQ(failed.size(), 3u);
  EXPECT_EQ(failed[2].waiters, std::vector<int>{3});
  EXPECT_EQ(l.next_seq(), 11u);
  EXPECT_GT(l.epoch(), e);
  // The late answer for the second batch of the failed epoch changes nothing.
  EXPECT_TRUE(l.commit(e).empty());
  EXPECT_TRUE(l.fail(e).empty());
  // New sends reuse the seqs that never committed: no gap.
  EXPECT_EQ(l.assign(msg("a", "4"), 4, 1).seq, 11u);
  l.take_unsent();
  ASSERT_EQ(l.commit(l.epoch()).size(), 1u);
  EXPECT_EQ(l.last_committed(), 11u);
}

TEST(seq_ledger, a_failed_key_may_be_sent_again) {
  ledger l{0, 0};
  l.assign(msg("a", "x"), 1, 1);
  l.take_unsent();
  l.fail(l.epoch());
  EXPECT_EQ(l.find("a", "x").kind, ledger::found::fresh);
}

TEST(seq_ledger, finds_committed_and_in_flight_keys) {
  struct tcase {
    const char* author;
    const char* cid;
    ledger::found kind;
    std::uint64_t seq;
  };
  ledger l{0, 0};
  l.remember("old", "k", 7, 70);
  l.assign(msg("a", "1"), 1, 100); // 1
  l.take_unsent();
  l.commit(l.epoch());
  l.assign(msg("a", "2"), 2, 100); // 2, in flight
  for (const auto& tc : std::vector<tcase>{
           {"old", "k", ledger::found::committed, 7},
           {"a", "1", ledger::found::committed, 1},
           {"a", "2", ledger::found::in_flight, 2},
           {"b", "1", ledger::found::fresh, 0}, // same cid, other author
           {"a", "3", ledger::found::fresh, 0},
       }) {
    auto r = l.find(tc.author, tc.cid);
    EXPECT_EQ(r.kind, tc.kind) << tc.author << "/" << tc.cid;
    if (tc.kind != ledger::found::fresh) {
      EXPECT_EQ(r.seq, tc.seq);
    }
  }
}

TEST(seq_ledger, retries_of_an_in_flight_message_wait_for_it) {
  ledger l{0, 0};
  l.assign(msg("a", "1"), 1, 1);
  l.wait_for(1, 9);
  l.take_unsent();
  auto done = l.commit(l.epoch());
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].waiters, (std::vector<int>{1, 9}));
}

TEST(seq_ledger, remembers_only_the_newest_keys) {
  ledger l{0, 0, 3};
  for (int i = 1; i <= 5; ++i)
    l.remember("a", std::to_string(i), i, i);
  EXPECT_EQ(l.find("a", "1").kind, ledger::found::fresh);
  EXPECT_EQ(l.find("a", "2").kind, ledger::found::fresh);
  EXPECT_EQ(l.find("a", "5").kind, ledger::found::committed);
}

// Committed keys are kept in the order they committed; the map grows (and
// rehashes) many times while the eviction order points at its keys, and a moved
// ledger keeps evicting the right ones.
TEST(seq_ledger, evicts_committed_keys_in_order_across_rehashes_and_a_move) {
  ledger l{0, 0, 100};
  for (int i = 1; i <= 1000; ++i) {
    l.assign(msg("a", "k" + std::to_string(i)), i, i);
    l.take_unsent();
    ASSERT_EQ(l.commit(l.epoch()).size(), 1u);
  }
  ledger moved = std::move(l);
  for (int i = 1001; i <= 1050; ++i)
    moved.remember("b", std::to_string(i), i, i);
  EXPECT_EQ(moved.find("a", "k950").kind, ledger::found::fresh);
  EXPECT_EQ(moved.find("a", "k951").kind, ledger::found::committed);
  EXPECT_EQ(moved.find("a", "k1000").seq, 1000u);
  EXPECT_EQ(moved.find("b", "1050").kind, ledger::found::committed);
}

// Eviction counts committed keys only: keys in flight stay findable however many
// keys commit or are remembered meanwhile, and commit in their turn.
TEST(seq_ledger, never_evicts_keys_in_flight) {
  ledger l{0, 0, 2};
  for (int i = 1; i <= 4; ++i)
    l.assign(msg("a", "f" + std::to_string(i)), i, i);
  l.take_unsent();
  for (int i = 1; i <= 5; ++i)
    l.remember("b", std::to_string(i), 100 + i, i);
  for (int i = 1; i <= 4; ++i)
    EXPECT_EQ(l.find("a", "f" + std::to_string(i)).kind, ledger::found::in_flight);
  ASSERT_EQ(l.commit(l.epoch()).size(), 4u);
  EXPECT_EQ(l.find("b", "5").kind, ledger::found::fresh); // evicted by the commit
  EXPECT_EQ(l.find("a", "f2").kind, ledger::found::fresh);
  EXPECT_EQ(l.find("a", "f3").kind, ledger::found::committed);
  EXPECT_EQ(l.find("a", "f4").ts, 4);
}

// assign() expects a key find() reported fresh. A caller that assigns a committed
// key anyway gets a new seq, while the key keeps answering with what was stored.
TEST(seq_ledger, a_committed_key_assigned_again_keeps_its_stored_answer) {
  ledger l{7, 0, 2};
  l.remember("a", "x", 7, 70);
  EXPECT_EQ(l.assign(msg("a", "x"), 1, 80).seq, 8u);
  l.take_unsent();
  EXPECT_EQ(l.find("a", "x").kind, ledger::found::committed);
  ASSERT_EQ(l.commit(l.epoch()).size(), 1u);
  EXPECT_EQ(l.find("a", "x").seq, 7u);
  EXPECT_EQ(l.find("a", "x").ts, 70);
  l.remember("b", "1", 9, 90);
  l.remember("b", "2", 10, 100); // evicts ("a", "x") once, and only once
  l.remember("b", "3", 11, 110);
  EXPECT_EQ(l.find("a", "x").kind, ledger::found::fresh);
  EXPECT_EQ(l.find("b", "3").kind, ledger::found::committed);
}

} // namespace
} // namespace parley

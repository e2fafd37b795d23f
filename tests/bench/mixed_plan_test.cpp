// The mixed chat day's plan (bench/loadgen/mixed_plan): who is in which
// conversation, and what each message slot does.
#include "bench/loadgen/mixed_plan.hpp"

#include <algorithm>
#include <cmath>
#include <set>

#include <gtest/gtest.h>

namespace parley::bench {
namespace {

struct shape {
  std::size_t users;
  double per_user;
  double group_share;
};

class ConversationPlan : public ::testing::TestWithParam<shape> {};

TEST_P(ConversationPlan, MembersAreDistinctAndEveryUserHasItsShare) {
  const auto s = GetParam();
  conversation_mix mix;
  mix.users = s.users;
  mix.per_user = s.per_user;
  mix.group_share = s.group_share;
  const auto convs = plan_conversations(mix);
  ASSERT_FALSE(convs.empty());
  std::vector<std::size_t> per_user(s.users, 0);
  std::size_t memberships = 0;
  for (const auto& c : convs) {
    ASSERT_GE(c.members.size(), 2u);
    ASSERT_LE(c.members.size(), mix.group_max);
    std::set<std::size_t> distinct(c.members.begin(), c.members.end());
    EXPECT_EQ(distinct.size(), c.members.size()) << "a user twice in one conversation";
    for (auto u : c.members) {
      ASSERT_LT(u, s.users);
      ++per_user[u];
    }
    memberships += c.members.size();
  }
  const auto cap = static_cast<std::size_t>(std::ceil(s.per_user));
  EXPECT_LE(*std::max_element(per_user.begin(), per_user.end()), cap);
  // Only the end of the deck may be dropped: at most group_max - 1 memberships.
  const auto dealt = static_cast<std::size_t>(std::llround(s.users * s.per_user));
  EXPECT_GE(memberships + mix.group_max, dealt);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConversationPlan,
                         ::testing::Values(shape{2000, 4, 0.2}, shape{400, 4, 0.2},
                                           shape{8, 1, 1.0}, shape{50, 2.5, 0.0},
                                           shape{100, 10, 0.5}));

TEST(ConversationPlan, PairsOnlyWithoutGroupShare) {
  conversation_mix mix;
  mix.users = 300;
  mix.group_share = 0;
  for (const auto& c : plan_conversations(mix))
    EXPECT_EQ(c.members.size(), 2u);
}

TEST(ConversationPlan, SameSeedSamePlan) {
  conversation_mix mix;
  mix.users = 500;
  const auto a = plan_conversations(mix);
  const auto b = plan_conversations(mix);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(a[i].members, b[i].members);
  mix.seed = 7;
  const auto c = plan_conversations(mix);
  EXPECT_FALSE(c.size() == a.size() && std::equal(a.begin(), a.end(), c.begin(),
                                                  [](const auto& x, const auto& y) {
                                                    return x.members == y.members;
                                                  }));
}

TEST(SlotPlan, AuthorsAreMembersAndProportionsHold) {
  conversation_mix mix;
  mix.users = 2000;
  const auto convs = plan_conversations(mix);
  activity_mix act;
  const std::uint64_t n = 20'000;
  std::uint64_t drafts = 0, lists = 0, histories = 0;
  for (std::uint64_t k = 0; k < n; ++k) {
    const auto p = plan_slot(convs, mix.users, act, k);
    ASSERT_LT(p.conv, convs.size());
    const auto& m = convs[p.conv].members;
    EXPECT_NE(std::find(m.begin(), m.end(), p.author), m.end());
    const auto& h = convs[p.history_conv].members;
    EXPECT_NE(std::find(h.begin(), h.end(), p.history_user), h.end());
    EXPECT_LT(p.list_user, mix.users);
    drafts += p.draft;
    lists += p.conv_list;
    histories += p.history;
  }
  // Binomial, n = 20,000: 6 standard deviations is ~0.013 at p = 0.1.
  EXPECT_NEAR(static_cast<double>(drafts) / n, act.abandoned_drafts, 0.013);
  EXPECT_NEAR(static_cast<double>(lists) / n, act.conv_lists, 0.01);
  EXPECT_NEAR(static_cast<double>(histories) / n, act.histories, 0.01);
}

TEST(SlotPlan, ReadsFollowTheirShare) {
  activity_mix act;
  std::uint64_t reads = 0, n = 0;
  for (std::size_t conv = 0; conv < 100; ++conv)
    for (std::uint64_t seq = 1; seq <= 20; ++seq)
      for (std::size_t user = 0; user < 10; ++user, ++n)
        reads += reads_message(act, conv, seq, user);
  EXPECT_NEAR(static_cast<double>(reads) / static_cast<double>(n), act.reads, 0.03);
  act.reads = 0;
  EXPECT_FALSE(reads_message(act, 1, 1, 1));
  act.reads = 1;
  EXPECT_TRUE(reads_message(act, 1, 1, 1));
}

} // namespace
} // namespace parley::bench

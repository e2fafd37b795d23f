// Rendezvous placement of conversations over the live nodes, reconnection backoff
// and the heartbeat rule (actors/rules/placement.hpp): every node must compute the
// same owner from the same live set, so the answers are pinned in tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "actors/rules/placement.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;

std::string owner_name(const std::string& conv, const std::vector<std::string>& live) {
  auto i = placement::owner(conv, live);
  return i ? live[*i] : std::string{};
}

std::vector<std::string> convs(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back("c" + std::to_string(i * 7919));
  return out;
}

TEST(placement, no_live_node_owns_nothing) {
  EXPECT_FALSE(placement::owner("c1", {}).has_value());
}

TEST(placement, a_single_node_owns_everything) {
  for (const auto& c : convs(50))
    EXPECT_EQ(owner_name(c, {"a"}), "a");
}

// Pinned: a change of the hash would place conversations differently on nodes
// running different builds during a rolling upgrade. If this table changes, say so
// in the release notes.
TEST(placement, owners_are_pinned) {
  struct row {
    const char* conv;
    std::vector<std::string> live;
    const char* owner;
  };
  std::vector<row> table{
      {"c1", {"n1", "n2", "n3"}, "n2"},
      {"c2", {"n1", "n2", "n3"}, "n1"},
      {"c3", {"n1", "n2", "n3"}, "n2"},
      {"c4", {"n1", "n2", "n3"}, "n1"},
  };
  for (const auto& r : table)
    EXPECT_EQ(owner_name(r.conv, r.live), r.owner) << r.conv;
}

TEST(placement, the_order_of_the_live_set_does_not_matter) {
  std::vector<std::string> live{"n1", "n2", "n3", "n4"};
  for (const auto& c : convs(200)) {
    auto expected = owner_name(c, live);
    auto shuffled = live;
    std::reverse(shuffled.begin(), shuffled.end());
    EXPECT_EQ(owner_name(c, shuffled), expected) << c;
    std::rotate(shuffled.begin(), shuffled.begin() + 1, shuffled.end());
    EXPECT_EQ(owner_name(c, shuffled), expected) << c;
  }
}

TEST(placement, a_leaving_node_moves_only_its_own_conversations) {
  std::vector<std::string> all{"n1", "n2", "n3"};
  std::vector<std::string> without_n2{"n1", "n3"};
  int moved = 0;
  for (const auto& c : convs(1000)) {
    auto before = owner_name(c, all);
    auto after = owner_name(c, without_n2);
    if (before == "n2") {
      ++moved;
      EXPECT_NE(after, "n2");
    } else {
      EXPECT_EQ(after, before) << c;
    }
  }
  EXPECT_GT(moved, 0);
}

TEST(placement, a_joining_node_takes_only_what_it_wins) {
  std::vector<std::string> before_set{"n1", "n3"};
  std::vector<std::string> after_set{"n1", "n2", "n3"};
  for (const auto& c : convs(1000)) {
    auto after = owner_name(c, after_set);
    if (after != "n2") {
      EXPECT_EQ(after, owner_name(c, before_set)) << c;
    }
  }
}

TEST(placement, three_nodes_share_the_load) {
  std::vector<std::string> live{"n1", "n2", "n3"};
  std::map<std::string, int> count;
  for (const auto& c : convs(3000))
    ++count[owner_name(c, live)];
  for (const auto& n : live)
    EXPECT_GT(count[n], 800) << n; // 1000 each on average
}

TEST(placement, the_score_separates_node_and_conversation) {
  EXPECT_NE(placement::score("ab", "c"), placement::score("a", "bc"));
  EXPECT_EQ(placement::score("n1", "c1"), placement::score("n1", "c1"));
}

TEST(placement, retry_delay_doubles_up_to_the_cap) {
  struct row {
    std::size_t attempt;
    std::chrono::milliseconds delay;
  };
  std::vector<row> table{{0, 100ms},  {1, 200ms},  {2, 400ms},   {3, 800ms},
                         {4, 1000ms}, {5, 1000ms}, {60, 1000ms}, {1000, 1000ms}};
  for (const auto& r : table)
    EXPECT_EQ(placement::retry_delay(r.attempt, 100ms, 1000ms), r.delay) << r.attempt;
}

TEST(placement, a_peer_is_silent_after_the_timeout) {
  auto t0 = std::chrono::steady_clock::time_point{} + 10s;
  struct row {
    std::chrono::milliseconds since;
    bool silent;
  };
  std::vector<row> table{{0ms, false}, {1499ms, false}, {1500ms, true}, {5000ms, true}};
  for (const auto& r : table)
    EXPECT_EQ(placement::silent(t0, t0 + r.since, 1500ms), r.silent) << r.since.count();
}

} // namespace
} // namespace parley

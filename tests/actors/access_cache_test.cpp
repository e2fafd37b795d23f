// access_cache (actors/node/access_cache.hpp): a decision about a user's rights is
// kept while the directory, the conversation's facts and its participants stay the
// same, and made again, from the current directory, as soon as any of them moved.
#include <gtest/gtest.h>

#include <string>

#include "actors/node/access_cache.hpp"
#include "actors/node/directory.hpp"

namespace parley {
namespace {

using protocol::conv_kind;
using protocol::user_kind;
using visibility::access;

protocol::user_info staff(const std::string& id, const std::string& org = "o1") {
  protocol::user_info u;
  u.id = id;
  u.org = org;
  u.kind = user_kind::staff;
  u.role = protocol::staff_role::member;
  u.name = id;
  return u;
}

class access_cache_test : public ::testing::Test {
protected:
  access_cache_test() {
    dir.put_user(staff("ann"));
    dir.put_user(staff("bob"));
    facts.kind = conv_kind::private_;
    facts.org = "o1";
  }

  /// The cache's answer for `user` as a participant; counts the times it had to
  /// ask whether `user` takes part (once per fresh decision).
  access ask(const std::string& user) {
    return cache.get(dir, user, facts, [&] {
      ++decisions;
      return true;
    });
  }

  directory dir;
  visibility::conversation_facts facts;
  access_cache cache;
  int decisions = 0;
};

TEST_F(access_cache_test, a_decision_is_kept_while_nothing_changes) {
  EXPECT_EQ(ask("ann"), access::act);
  EXPECT_EQ(ask("ann"), access::act);
  EXPECT_EQ(ask("bob"), access::act);
  EXPECT_EQ(ask("bob"), access::act);
  EXPECT_EQ(decisions, 2);
}

TEST_F(access_cache_test, any_change_of_the_directory_decides_again) {
  EXPECT_EQ(ask("bob"), access::act);
  auto before = cache.generation();
  // bob moves to another organisation: from the next check on he reads nothing.
  dir.put_user(staff("bob", "o2"));
  EXPECT_EQ(ask("bob"), access::none);
  EXPECT_NE(cache.generation(), before);
  // A change that does not concern a user still drops what was kept (the cache
  // cannot tell), and the decision comes out the same.
  dir.put_favorites("ann", {"acme"}, 1);
  EXPECT_EQ(ask("ann"), access::act);
  EXPECT_EQ(decisions, 3);
}

TEST_F(access_cache_test, a_change_of_the_facts_decides_again) {
  EXPECT_EQ(ask("ann"), access::act);
  facts.ended = true; // conv.end: whoever reads keeps reading, nobody acts
  EXPECT_EQ(ask("ann"), access::read);
  std::string other_org = "o2";
  facts.org = other_org;
  facts.ended = false;
  EXPECT_EQ(ask("ann"), access::none);
  EXPECT_EQ(decisions, 3);
}

TEST_F(access_cache_test, clear_forgets_every_decision_and_starts_a_new_generation) {
  EXPECT_EQ(ask("ann"), access::act);
  cache.validate(dir, facts);
  auto before = cache.generation();
  cache.clear(); // the participants changed
  EXPECT_EQ(ask("ann"), access::act);
  EXPECT_EQ(decisions, 2);
  EXPECT_NE(cache.generation(), before);
}

TEST_F(access_cache_test, the_generation_holds_while_the_decisions_are_kept) {
  cache.validate(dir, facts);
  auto g = cache.generation();
  ask("ann");
  ask("bob");
  cache.validate(dir, facts);
  EXPECT_EQ(cache.generation(), g);
}

TEST_F(access_cache_test, the_participant_flag_is_part_of_the_decision) {
  // A guest reads only what it takes part in.
  auto guest = staff("gus");
  guest.role = protocol::staff_role::guest;
  dir.put_user(guest);
  EXPECT_EQ(cache.get(dir, "gus", facts, [] { return false; }), access::none);
  // Added as a participant: the owner clears the cache with the new participants.
  cache.clear();
  EXPECT_EQ(cache.get(dir, "gus", facts, [] { return true; }), access::act);
}

} // namespace
} // namespace parley

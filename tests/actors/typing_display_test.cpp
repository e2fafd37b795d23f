// The alias display rule of typing (docs/protocol.md §7) as a table: who views,
// who types, the org's settings -> whom the push names and with which kind.
#include <gtest/gtest.h>

#include "actors/rules/typing_display.hpp"

namespace parley::typing_display {
namespace {

using protocol::user_kind;
using opt_kind = std::optional<user_kind>;

TEST(typing_display, a_contact_sees_agents_as_the_alias_only_when_the_org_says_so) {
  struct row {
    const char* what;
    opt_kind viewer;
    const char* typist;
    opt_kind typist_kind;
    bool display_as_alias;
    const char* alias; // "" : none set
    opt_kind alias_kind;
    const char* shown_user;
    shown_kind shown;
    bool as_alias;
  };
  const auto H = shown_kind::human;
  const auto A = shown_kind::ai;
  const opt_kind staff = user_kind::staff, ai = user_kind::ai, bot = user_kind::bot,
                 contact = user_kind::contact, client = user_kind::client, none{};
  std::vector<row> rows{
      // The rule applies: contact viewer, agent typist, setting on, alias named.
      {"staff agent -> alias", contact, "ann", staff, true, "help", bot, "help", H, true},
      {"ai agent -> alias (kind hidden)", contact, "robo", ai, true, "help", bot, "help",
       H, true},
      {"an ai alias shows as ai", contact, "ann", staff, true, "help", ai, "help", A,
       true},
      {"alias not provisioned yet", contact, "ann", staff, true, "help", none, "help", H,
       true},
      // The setting is off or has nothing to show.
      {"setting off", contact, "ann", staff, false, "help", bot, "ann", H, false},
      {"setting off, ai", contact, "robo", ai, false, "help", bot, "robo", A, false},
      {"no alias named", contact, "ann", staff, true, "", none, "ann", H, false},
      // Only contacts are shown the alias.
      {"staff viewer", staff, "ann", staff, true, "help", bot, "ann", H, false},
      {"staff viewer of ai", staff, "robo", ai, true, "help", bot, "robo", A, false},
      {"client viewer", client, "ann", staff, true, "help", bot, "ann", H, false},
      {"ai viewer", ai, "ann", staff, true, "help", bot, "ann", H, false},
      {"unknown viewer", none, "ann", staff, true, "help", bot, "ann", H, false},
      // Only agents are hidden.
      {"the alias itself", contact, "help", bot, true, "help", bot, "help", H, false},
      {"an ai alias itself", contact, "help", ai, true, "help", ai, "help", A, false},
      {"another contact", contact, "carl", contact, true, "help", bot, "carl", H, false},
      {"a client", contact, "cleo", client, true, "help", bot, "cleo", H, false},
      {"another bot", contact, "echo", bot, true, "help", bot, "echo", H, false},
      {"an unknown typist", contact, "gone", none, true, "help", bot, "gone", H, false},
  };
  for (const auto& r : rows) {
    alias_settings org{r.display_as_alias, r.alias, r.alias_kind};
    auto s = shown_to(r.viewer, r.typist, r.typist_kind, org);
    EXPECT_EQ(s.user, r.shown_user) << r.what;
    EXPECT_EQ(s.kind, r.shown) << r.what;
    EXPECT_EQ(s.as_alias, r.as_alias) << r.what;
  }
}

TEST(typing_display, push_kind_is_ai_only_for_ai_users) {
  EXPECT_EQ(to_string(kind_of(user_kind::ai)), "ai");
  for (auto k : {user_kind::staff, user_kind::client, user_kind::contact, user_kind::bot})
    EXPECT_EQ(to_string(kind_of(k)), "human");
  EXPECT_EQ(to_string(kind_of(std::nullopt)), "human");
}

TEST(typing_display, agents_are_staff_and_ai_users) {
  EXPECT_TRUE(is_agent(user_kind::staff));
  EXPECT_TRUE(is_agent(user_kind::ai));
  for (auto k : {user_kind::client, user_kind::contact, user_kind::bot})
    EXPECT_FALSE(is_agent(k));
  EXPECT_FALSE(is_agent(std::nullopt));
}

} // namespace
} // namespace parley::typing_display

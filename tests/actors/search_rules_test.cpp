// Who may search which scope, how scopes are named and which queries hold a word
// (docs/protocol.md §10), as tables.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "actors/rules/search_rules.hpp"

namespace parley {
namespace {

using protocol::staff_role;
using protocol::user_info;
using protocol::user_kind;
using search_rules::scope;

user_info person(user_kind kind, std::optional<staff_role> role = std::nullopt) {
  user_info u;
  u.id = "u";
  u.org = "acme";
  u.kind = kind;
  u.role = role;
  u.name = "U";
  return u;
}

TEST(search_rules, who_may_search_each_scope) {
  struct row {
    const char* who;
    user_info user;
    bool messages, comments, contacts;
  };
  const std::vector<row> table{
      {"owner", person(user_kind::staff, staff_role::owner), true, true, true},
      {"admin", person(user_kind::staff, staff_role::admin), true, true, true},
      {"member", person(user_kind::staff, staff_role::member), true, true, true},
      {"member by default", person(user_kind::staff), true, true, true},
      {"guest", person(user_kind::staff, staff_role::guest), true, true, false},
      {"client", person(user_kind::client), true, false, false},
      {"contact", person(user_kind::contact), true, false, false},
      {"ai", person(user_kind::ai), true, false, false},
      {"bot", person(user_kind::bot), true, false, false},
  };
  for (const auto& r : table) {
    EXPECT_EQ(search_rules::may_search(r.user, scope::messages), r.messages) << r.who;
    EXPECT_EQ(search_rules::may_search(r.user, scope::comments), r.comments) << r.who;
    EXPECT_EQ(search_rules::may_search(r.user, scope::contacts), r.contacts) << r.who;
  }
}

TEST(search_rules, scope_names) {
  EXPECT_EQ(search_rules::parse_scope("messages"), scope::messages);
  EXPECT_EQ(search_rules::parse_scope("comments"), scope::comments);
  EXPECT_EQ(search_rules::parse_scope("contacts"), scope::contacts);
  for (const char* bad : {"", "Messages", "message", "all", "contacts "})
    EXPECT_EQ(search_rules::parse_scope(bad), std::nullopt) << bad;
}

TEST(search_rules, queries_with_and_without_words) {
  struct row {
    std::string q;
    bool word;
  };
  const std::vector<row> table{
      {"invoice", true},      {"a", true},          {"7", true},
      {"  -x  ", true},       {"\"phrase\"", true}, {"caf\xc3\xa9", true},
      {"\xe6\x97\xa5", true}, {" ", false},         {"!!!", false},
      {"or", true}, // alone it is a word, not websearch's `or` operator
      {"- \"\" ()", false},   {"@#$%^&*", false},   {"\t\n", false},
  };
  for (const auto& r : table)
    EXPECT_EQ(search_rules::has_word(r.q), r.word) << r.q;
}

} // namespace
} // namespace parley

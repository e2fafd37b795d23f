// Who may invite and accept across organisations (docs/protocol.md §8), and how
// emails are compared, as tables.
//
// Decisions (docs/protocol.md §8): only staff invite; guests neither send nor
// accept; connect_policy `all` lets every other staff user invite, `admins` only
// owners and admins, `none` nobody; an inviter needs an email (the invitee's block
// list holds emails); emails compare with ASCII letters lower-cased.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "actors/rules/invite_rules.hpp"

namespace parley {
namespace {

using invite_rules::send_verdict;
using protocol::staff_role;
using protocol::user_info;
using protocol::user_kind;

user_info person(user_kind kind, std::optional<staff_role> role,
                 std::optional<std::string> email = "me@acme.test") {
  user_info u;
  u.id = "u";
  u.org = "acme";
  u.kind = kind;
  u.role = role;
  u.name = "U";
  u.email = std::move(email);
  return u;
}

protocol::org_info org_with(const std::string& policy) {
  protocol::org_info o;
  o.id = "acme";
  o.connect_policy = policy;
  return o;
}

const char* name_of(send_verdict v) {
  switch (v) {
  case send_verdict::allowed:
    return "allowed";
  case send_verdict::not_staff:
    return "not_staff";
  case send_verdict::guest:
    return "guest";
  case send_verdict::policy:
    return "policy";
  case send_verdict::no_email:
    return "no_email";
  }
  return "?";
}

TEST(invite_rules, may_send_by_role_and_policy) {
  struct row {
    const char* name;
    user_kind kind;
    std::optional<staff_role> role;
    const char* policy;
    send_verdict expected;
  };
  using k = user_kind;
  using r = staff_role;
  const std::vector<row> rows{
      {"member, policy all", k::staff, r::member, "all", send_verdict::allowed},
      {"staff without a role counts as member, policy all", k::staff, std::nullopt, "all",
       send_verdict::allowed},
      {"admin, policy all", k::staff, r::admin, "all", send_verdict::allowed},
      {"owner, policy all", k::staff, r::owner, "all", send_verdict::allowed},
      {"guest, policy all", k::staff, r::guest, "all", send_verdict::guest},
      {"member, policy admins", k::staff, r::member, "admins", send_verdict::policy},
      {"staff without a role, policy admins", k::staff, std::nullopt, "admins",
       send_verdict::policy},
      {"admin, policy admins", k::staff, r::admin, "admins", send_verdict::allowed},
      {"owner, policy admins", k::staff, r::owner, "admins", send_verdict::allowed},
      {"guest, policy admins", k::staff, r::guest, "admins", send_verdict::guest},
      {"owner, policy none", k::staff, r::owner, "none", send_verdict::policy},
      {"admin, policy none", k::staff, r::admin, "none", send_verdict::policy},
      {"member, policy none", k::staff, r::member, "none", send_verdict::policy},
      {"guest, policy none", k::staff, r::guest, "none", send_verdict::guest},
      {"owner, an unknown policy allows nobody", k::staff, r::owner, "everyone",
       send_verdict::policy},
      {"client, policy all", k::client, std::nullopt, "all", send_verdict::not_staff},
      {"contact, policy all", k::contact, std::nullopt, "all", send_verdict::not_staff},
      {"ai, policy all", k::ai, std::nullopt, "all", send_verdict::not_staff},
      {"bot, policy all", k::bot, std::nullopt, "all", send_verdict::not_staff},
  };
  for (const auto& row : rows) {
    auto u = person(row.kind, row.role);
    auto o = org_with(row.policy);
    EXPECT_STREQ(name_of(invite_rules::may_send(u, &o)), name_of(row.expected))
        << "case: " << row.name;
  }
}

TEST(invite_rules, may_send_needs_an_org_and_an_email) {
  auto owner = person(user_kind::staff, staff_role::owner);
  EXPECT_STREQ(name_of(invite_rules::may_send(owner, nullptr)), "policy")
      << "case: unknown org";
  auto o = org_with("all");
  auto no_email = person(user_kind::staff, staff_role::member, std::nullopt);
  EXPECT_STREQ(name_of(invite_rules::may_send(no_email, &o)), "no_email")
      << "case: member without an email";
  auto empty_email = person(user_kind::staff, staff_role::member, "");
  EXPECT_STREQ(name_of(invite_rules::may_send(empty_email, &o)), "no_email")
      << "case: member with an empty email";
  auto not_an_address = person(user_kind::staff, staff_role::member, "bob");
  EXPECT_STREQ(name_of(invite_rules::may_send(not_an_address, &o)), "no_email")
      << "case: a stored email that is no address (put before it was validated)";
  auto none = org_with("none");
  EXPECT_STREQ(name_of(invite_rules::may_send(no_email, &none)), "policy")
      << "case: the policy is told before the missing email";
}

TEST(invite_rules, may_accept) {
  struct row {
    const char* name;
    user_kind kind;
    std::optional<staff_role> role;
    bool expected;
  };
  const std::vector<row> rows{
      {"member", user_kind::staff, staff_role::member, true},
      {"staff without a role", user_kind::staff, std::nullopt, true},
      {"admin", user_kind::staff, staff_role::admin, true},
      {"owner", user_kind::staff, staff_role::owner, true},
      {"guest", user_kind::staff, staff_role::guest, false},
      {"client", user_kind::client, std::nullopt, false},
      {"contact", user_kind::contact, std::nullopt, false},
      {"ai", user_kind::ai, std::nullopt, false},
      {"bot", user_kind::bot, std::nullopt, false},
  };
  for (const auto& r : rows)
    EXPECT_EQ(invite_rules::may_accept(person(r.kind, r.role)), r.expected)
        << "case: " << r.name;
}

TEST(invite_rules, normalize_email) {
  struct row {
    const char* name;
    std::string in;
    std::optional<std::string> expected;
  };
  const std::vector<row> rows{
      {"lower-case stays", "bob@globex.test", "bob@globex.test"},
      {"upper-case ASCII is lowered", "Bob.Smith@GLOBEX.Test", "bob.smith@globex.test"},
      {"non-ASCII is kept as is", "Jos\xc3\xa9@globex.test", "jos\xc3\xa9@globex.test"},
      {"plus addressing is kept", "Bob+chat@globex.test", "bob+chat@globex.test"},
      {"no @", "bob.globex.test", std::nullopt},
      {"nothing before @", "@globex.test", std::nullopt},
      {"nothing after @", "bob@", std::nullopt},
      {"two @", "bob@x@globex.test", std::nullopt},
      {"a space", "bob smith@globex.test", std::nullopt},
      {"a tab", "bob\t@globex.test", std::nullopt},
      {"a control character", std::string("bob\x01@globex.test"), std::nullopt},
      {"DEL", "bob\x7f@globex.test", std::nullopt},
      {"empty", "", std::nullopt},
  };
  for (const auto& r : rows)
    EXPECT_EQ(invite_rules::normalize_email(r.in), r.expected) << "case: " << r.name;
}

} // namespace
} // namespace parley

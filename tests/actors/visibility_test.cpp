// The visibility rule as a table: for each kind, which users may read and act.
// (The favourite-based kinds arrive with the visibility issue; until then they are
// as strict as private, which this table pins down.)
#include <gtest/gtest.h>

#include "actors/visibility.hpp"

namespace parley {
namespace {

using protocol::conv_kind;
using protocol::user_kind;
using visibility::access;

protocol::user_info user(const std::string& id, user_kind kind,
                         const std::string& org = "acme") {
  protocol::user_info u;
  u.id = id;
  u.org = org;
  u.kind = kind;
  if (kind == user_kind::staff) u.role = protocol::staff_role::member;
  if (kind == user_kind::client) u.company = "client-co";
  return u;
}

TEST(visibility, table) {
  const std::vector<std::string> participants{"alice", "cli"};
  auto alice = user("alice", user_kind::staff);
  auto bob = user("bob", user_kind::staff);
  auto cli = user("cli", user_kind::client);
  auto moved = user("alice", user_kind::staff, "other-org");
  struct tcase {
    const char* name;
    conv_kind kind;
    const protocol::user_info* who;
    bool ended;
    access expected;
  };
  std::vector<tcase> cases{
      {"private participant staff", conv_kind::private_, &alice, false, access::act},
      {"private participant client", conv_kind::private_, &cli, false, access::act},
      {"private outsider", conv_kind::private_, &bob, false, access::none},
      {"private participant moved to another org", conv_kind::private_, &moved, false,
       access::none},
      {"unknown user", conv_kind::private_, nullptr, false, access::none},
      {"direct participant", conv_kind::direct, &alice, false, access::act},
      {"direct ended: read only", conv_kind::direct, &alice, true, access::read},
      {"direct outsider", conv_kind::direct, &bob, false, access::none},
      {"company outsider (until favourites)", conv_kind::company, &bob, false,
       access::none},
      {"confidential participant", conv_kind::confidential, &alice, false, access::act},
      {"support outsider (until support rules)", conv_kind::support, &bob, false,
       access::none},
  };
  for (const auto& tc : cases) {
    visibility::conversation_facts facts{tc.kind, "acme", &participants, tc.ended};
    EXPECT_EQ(visibility::evaluate(tc.who, facts), tc.expected) << tc.name;
  }
}

TEST(visibility, read_and_act_helpers) {
  EXPECT_FALSE(visibility::can_read(access::none));
  EXPECT_TRUE(visibility::can_read(access::read));
  EXPECT_FALSE(visibility::can_act(access::read));
  EXPECT_TRUE(visibility::can_act(access::act));
}

} // namespace
} // namespace parley

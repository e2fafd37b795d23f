// The visibility rule (docs/protocol.md §5) as tables: who may read and act on a
// conversation of each kind, who may take part in it, who may remove whom.
//
// The expectations come from the protocol's table and from the decisions the
// server made where the protocol is silent, written down independently of
// actors/rules/visibility.cpp:
//   - participants of any kind read and act (confidential included: the creator is
//     always a participant), except that a client of another company and a contact
//     never read a company-tied (company/confidential) conversation, even as
//     participants;
//   - staff guests see only what they take part in; favourites give them nothing;
//   - support: its participants (the contact, the alias) and the org's staff other
//     than guests; ai and bot users only as participants;
//   - a user of another organisation reads nothing, except in a cross-org direct
//     conversation (an accepted invitation, section 8): it belongs to both orgs and
//     its participants of either org read and act; nobody else, not even staff of
//     either org;
//   - ended: whoever may read gets `read`, never `act`;
//   - a client's favourites count only for its own company.
#include <gtest/gtest.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/rules/visibility.hpp"

namespace parley {
namespace {

using protocol::conv_kind;
using protocol::staff_role;
using protocol::user_info;
using protocol::user_kind;
using visibility::access;
using visibility::membership;

constexpr std::string_view org = "acme";
constexpr std::string_view other_org = "globex";
constexpr std::string_view company = "client-co";
constexpr std::string_view other_company = "rival-co";

// ---------------------------------------------------------------------------
// Test population
// ---------------------------------------------------------------------------

/// The kinds of people the table asks about, from the test's point of view.
enum class who {
  staff_member,
  staff_admin,
  staff_owner,
  staff_guest,
  client_of_company, // a client of the conversation's company
  client_of_other,   // a client of another company of the same org
  contact,
  ai,
  bot,
  staff_of_other_org,
  unknown, // no such user (deleted, never provisioned): nullptr
};

constexpr std::array all_who{who::staff_member,
                             who::staff_admin,
                             who::staff_owner,
                             who::staff_guest,
                             who::client_of_company,
                             who::client_of_other,
                             who::contact,
                             who::ai,
                             who::bot,
                             who::staff_of_other_org,
                             who::unknown};

constexpr std::array all_kinds{conv_kind::company, conv_kind::confidential,
                               conv_kind::private_, conv_kind::direct,
                               conv_kind::support};

std::string name_of(who w) {
  switch (w) {
  case who::staff_member:
    return "staff member";
  case who::staff_admin:
    return "staff admin";
  case who::staff_owner:
    return "staff owner";
  case who::staff_guest:
    return "staff guest";
  case who::client_of_company:
    return "client of the company";
  case who::client_of_other:
    return "client of another company";
  case who::contact:
    return "contact";
  case who::ai:
    return "ai";
  case who::bot:
    return "bot";
  case who::staff_of_other_org:
    return "staff of another org";
  case who::unknown:
    return "unknown user";
  }
  return "?";
}

std::string name_of(conv_kind k) {
  switch (k) {
  case conv_kind::company:
    return "company";
  case conv_kind::confidential:
    return "confidential";
  case conv_kind::private_:
    return "private";
  case conv_kind::direct:
    return "direct";
  case conv_kind::support:
    return "support";
  }
  return "?";
}

std::string name_of(access a) {
  switch (a) {
  case access::none:
    return "none";
  case access::read:
    return "read";
  case access::act:
    return "act";
  }
  return "?";
}

std::string name_of(membership m) {
  switch (m) {
  case membership::allowed:
    return "allowed";
  case membership::other_org:
    return "other_org";
  case membership::wrong_company:
    return "wrong_company";
  case membership::wrong_kind:
    return "wrong_kind";
  }
  return "?";
}

user_info staff(std::string id, std::optional<staff_role> role,
                std::string_view in_org = org) {
  user_info u;
  u.id = std::move(id);
  u.org = std::string(in_org);
  u.kind = user_kind::staff;
  u.role = role;
  u.name = u.id;
  return u;
}

user_info client(std::string id, std::string_view of_company,
                 std::string_view in_org = org) {
  user_info u;
  u.id = std::move(id);
  u.org = std::string(in_org);
  u.kind = user_kind::client;
  u.company = std::string(of_company);
  u.name = u.id;
  return u;
}

user_info plain(std::string id, user_kind kind, std::string_view in_org = org) {
  user_info u;
  u.id = std::move(id);
  u.org = std::string(in_org);
  u.kind = kind;
  u.name = u.id;
  return u;
}

/// One user of each category; `unknown` has none (nullptr).
struct population {
  user_info member = staff("member", staff_role::member);
  user_info admin = staff("admin", staff_role::admin);
  user_info owner = staff("owner", staff_role::owner);
  user_info guest = staff("guest", staff_role::guest);
  user_info own_client = client("cli", company);
  user_info other_client = client("rival", other_company);
  user_info contact = plain("contact", user_kind::contact);
  user_info ai = plain("ai", user_kind::ai);
  user_info bot = plain("bot", user_kind::bot);
  user_info foreigner = staff("foreigner", staff_role::member, other_org);

  const user_info* get(who w) const {
    switch (w) {
    case who::staff_member:
      return &member;
    case who::staff_admin:
      return &admin;
    case who::staff_owner:
      return &owner;
    case who::staff_guest:
      return &guest;
    case who::client_of_company:
      return &own_client;
    case who::client_of_other:
      return &other_client;
    case who::contact:
      return &contact;
    case who::ai:
      return &ai;
    case who::bot:
      return &bot;
    case who::staff_of_other_org:
      return &foreigner;
    case who::unknown:
      return nullptr;
    }
    return nullptr;
  }
};

bool tied_to_company(conv_kind k) {
  return k == conv_kind::company || k == conv_kind::confidential;
}

visibility::conversation_facts facts(conv_kind kind, bool favouring_client_participant,
                                     bool ended) {
  visibility::conversation_facts c;
  c.kind = kind;
  c.org = org;
  c.company = tied_to_company(kind) ? company : std::string_view{};
  c.ended = ended;
  c.favouring_client_participant = favouring_client_participant;
  return c;
}

// ---------------------------------------------------------------------------
// The oracle: docs/protocol.md §5, row by row, plus the decisions above
// ---------------------------------------------------------------------------

struct situation {
  conv_kind kind;
  who viewer;
  bool participant;
  bool favours;                      // the conversation's company is in its favourites
  bool favouring_client_participant; // company kind only
  bool ended;
};

std::string describe(const situation& s) {
  std::string d = name_of(s.kind) + " / " + name_of(s.viewer);
  d += s.participant ? " / participant" : " / not participant";
  d += s.favours ? " / favours the company" : " / no favourite";
  if (s.kind == conv_kind::company)
    d += s.favouring_client_participant ? " / a favouring client takes part"
                                        : " / no favouring client takes part";
  d += s.ended ? " / ended" : " / open";
  return d;
}

bool is_staff_not_guest(who w) {
  return w == who::staff_member || w == who::staff_admin || w == who::staff_owner;
}

/// Whether the viewer may read (and, unless ended, reply to) the conversation.
bool oracle_may_read(const situation& s) {
  // Unknown users and users of another organisation read nothing (cross-org direct
  // conversations come with invitations, section 8).
  if (s.viewer == who::unknown || s.viewer == who::staff_of_other_org) return false;

  // Rules that hold everywhere: a client of a company-tied conversation must be a
  // client of that company; contacts belong to the support inbox only. Both hold
  // even for participants.
  if (tied_to_company(s.kind) &&
      (s.viewer == who::client_of_other || s.viewer == who::contact))
    return false;

  switch (s.kind) {
  case conv_kind::company:
    // | company | staff of the org with the company in favourites; client users with
    //   the company in favourites only if at least one such client user is a
    //   participant; all participants |
    if (is_staff_not_guest(s.viewer) && s.favours) return true; // guests: no
    if (s.viewer == who::client_of_company && s.favours && s.favouring_client_participant)
      return true;
    return s.participant;
  case conv_kind::confidential:
    // | confidential | staff of the org with the company in favourites; client users
    //   only if they are participants | (+ decision: every participant reads)
    if (is_staff_not_guest(s.viewer) && s.favours) return true;
    return s.participant;
  case conv_kind::private_:
    // | private | participants only |
    return s.participant;
  case conv_kind::direct:
    // | direct | its two participants |
    return s.participant;
  case conv_kind::support:
    // | support | its contact, and staff (not guests) of the org | (+ decision: every
    //   participant, e.g. the alias; ai/bot only as participants)
    return s.participant || is_staff_not_guest(s.viewer);
  }
  return false;
}

access oracle(const situation& s) {
  if (!oracle_may_read(s)) return access::none;
  return s.ended ? access::read : access::act;
}

access actual(const population& pop, const situation& s) {
  visibility::viewer v;
  v.user = pop.get(s.viewer);
  v.participant = s.participant;
  v.favours_company = s.favours;
  return visibility::evaluate(v, facts(s.kind, s.favouring_client_participant, s.ended));
}

std::vector<situation> every_situation() {
  std::vector<situation> all;
  for (auto kind : all_kinds)
    for (auto w : all_who)
      for (bool participant : {false, true})
        for (bool favours : {false, true})
          for (bool fcp : {false, true}) {
            if (fcp && kind != conv_kind::company) continue;
            for (bool ended : {false, true})
              all.push_back({kind, w, participant, favours, fcp, ended});
          }
  return all;
}

TEST(visibility, exhaustive_table_follows_the_protocol) {
  const population pop;
  const auto all = every_situation();
  // 5 kinds x 11 viewers x participant x favours x ended, with the extra
  // favouring-client dimension for company conversations.
  ASSERT_EQ(all.size(), 11u * 2 * 2 * 2 * (2 + 4));
  for (const auto& s : all) {
    auto expected = oracle(s);
    auto got = actual(pop, s);
    EXPECT_EQ(name_of(got), name_of(expected)) << "case: " << describe(s);
  }
}

// The table must not be vacuous: each outcome occurs, and for each kind.
TEST(visibility, exhaustive_table_covers_every_outcome) {
  for (auto kind : all_kinds) {
    bool seen_none = false, seen_read = false, seen_act = false;
    for (const auto& s : every_situation()) {
      if (s.kind != kind) continue;
      auto a = oracle(s);
      seen_none |= a == access::none;
      seen_read |= a == access::read;
      seen_act |= a == access::act;
    }
    EXPECT_TRUE(seen_none && seen_read && seen_act) << "kind: " << name_of(kind);
  }
}

// ---------------------------------------------------------------------------
// Named rows: the important cases, spelled out
// ---------------------------------------------------------------------------

struct named_row {
  const char* name;
  situation s;
  access expected;
};

// clang-format off
const std::vector<named_row> named_rows{
  // company
  {"favouring staff reads a company conversation it does not take part in",
   {conv_kind::company, who::staff_member, false, true, false, false}, access::act},
  {"favouring admin reads a company conversation it does not take part in",
   {conv_kind::company, who::staff_admin, false, true, false, false}, access::act},
  {"favouring owner reads a company conversation it does not take part in",
   {conv_kind::company, who::staff_owner, false, true, false, false}, access::act},
  {"staff without the favourite does not see a company conversation",
   {conv_kind::company, who::staff_member, false, false, true, false}, access::none},
  {"staff without the favourite who takes part acts",
   {conv_kind::company, who::staff_member, true, false, false, false}, access::act},
  {"guest with the favourite sees nothing it does not take part in",
   {conv_kind::company, who::staff_guest, false, true, true, false}, access::none},
  {"guest acts on a company conversation it takes part in",
   {conv_kind::company, who::staff_guest, true, false, false, false}, access::act},
  {"client of the company with the favourite sees nothing while no favouring client "
   "takes part",
   {conv_kind::company, who::client_of_company, false, true, false, false},
   access::none},
  {"client of the company with the favourite sees a company conversation once a "
   "favouring client takes part",
   {conv_kind::company, who::client_of_company, false, true, true, false}, access::act},
  {"client of the company without the favourite sees nothing even when a favouring "
   "client takes part",
   {conv_kind::company, who::client_of_company, false, false, true, false},
   access::none},
  {"client of the company who takes part acts without the favourite",
   {conv_kind::company, who::client_of_company, true, false, false, false},
   access::act},
  {"client of another company with the favourite sees nothing",
   {conv_kind::company, who::client_of_other, false, true, true, false}, access::none},
  {"client re-put into another company loses a conversation it takes part in",
   {conv_kind::company, who::client_of_other, true, true, true, false}, access::none},
  {"contact who takes part in a company conversation sees nothing",
   {conv_kind::company, who::contact, true, true, true, false}, access::none},
  {"ai with the favourite sees nothing it does not take part in",
   {conv_kind::company, who::ai, false, true, true, false}, access::none},
  {"ai that takes part in a company conversation acts",
   {conv_kind::company, who::ai, true, false, false, false}, access::act},
  {"bot with the favourite sees nothing it does not take part in",
   {conv_kind::company, who::bot, false, true, true, false}, access::none},
  {"favouring staff of another org sees nothing",
   {conv_kind::company, who::staff_of_other_org, false, true, true, false},
   access::none},
  {"staff moved to another org loses a company conversation it takes part in",
   {conv_kind::company, who::staff_of_other_org, true, true, true, false},
   access::none},
  {"unknown user sees nothing even as participant",
   {conv_kind::company, who::unknown, true, true, true, false}, access::none},
  {"ended company conversation: favouring staff reads but does not act",
   {conv_kind::company, who::staff_member, false, true, false, true}, access::read},
  {"ended company conversation: favouring client reads once a favouring client takes "
   "part",
   {conv_kind::company, who::client_of_company, false, true, true, true},
   access::read},

  // confidential
  {"confidential: favouring staff reads without taking part",
   {conv_kind::confidential, who::staff_member, false, true, false, false},
   access::act},
  {"confidential: favouring client who is not a participant sees nothing",
   {conv_kind::confidential, who::client_of_company, false, true, false, false},
   access::none},
  {"confidential: favouring client who is not a participant sees nothing, however "
   "favouring_client_participant is set",
   {conv_kind::confidential, who::client_of_company, false, true, true, false},
   access::none},
  {"confidential: client of the company who takes part acts",
   {conv_kind::confidential, who::client_of_company, true, false, false, false},
   access::act},
  {"confidential: client of another company sees nothing even as participant",
   {conv_kind::confidential, who::client_of_other, true, true, false, false},
   access::none},
  {"confidential: staff creator without the favourite acts (creator is a participant)",
   {conv_kind::confidential, who::staff_member, true, false, false, false},
   access::act},
  {"confidential: guest with the favourite sees nothing it does not take part in",
   {conv_kind::confidential, who::staff_guest, false, true, false, false},
   access::none},
  {"confidential: guest who takes part acts",
   {conv_kind::confidential, who::staff_guest, true, false, false, false}, access::act},
  {"confidential: contact who takes part sees nothing",
   {conv_kind::confidential, who::contact, true, false, false, false}, access::none},
  {"confidential: ended, participant reads only",
   {conv_kind::confidential, who::client_of_company, true, false, false, true},
   access::read},

  // private
  {"private: favouring staff who does not take part sees nothing",
   {conv_kind::private_, who::staff_owner, false, true, false, false}, access::none},
  {"private: client participant acts",
   {conv_kind::private_, who::client_of_company, true, false, false, false},
   access::act},
  {"private: client of another company who takes part acts (not company-tied)",
   {conv_kind::private_, who::client_of_other, true, false, false, false},
   access::act},
  {"private: contact who takes part acts (participants of any kind)",
   {conv_kind::private_, who::contact, true, false, false, false}, access::act},
  {"private: guest who takes part acts",
   {conv_kind::private_, who::staff_guest, true, false, false, false}, access::act},
  {"private: participant moved to another org sees nothing",
   {conv_kind::private_, who::staff_of_other_org, true, false, false, false},
   access::none},

  // direct
  {"direct: participant acts",
   {conv_kind::direct, who::staff_member, true, false, false, false}, access::act},
  {"direct: ended, participant reads only",
   {conv_kind::direct, who::staff_member, true, false, false, true}, access::read},
  {"direct: owner who does not take part sees nothing",
   {conv_kind::direct, who::staff_owner, false, true, false, false}, access::none},
  {"direct: staff of another org sees nothing (not a cross-org conversation)",
   {conv_kind::direct, who::staff_of_other_org, true, false, false, false},
   access::none},

  // support
  {"support: staff member who does not take part acts",
   {conv_kind::support, who::staff_member, false, false, false, false}, access::act},
  {"support: staff admin who does not take part acts",
   {conv_kind::support, who::staff_admin, false, false, false, false}, access::act},
  {"support: staff guest who does not take part sees nothing",
   {conv_kind::support, who::staff_guest, false, true, false, false}, access::none},
  {"support: staff guest who takes part acts",
   {conv_kind::support, who::staff_guest, true, false, false, false}, access::act},
  {"support: its contact acts",
   {conv_kind::support, who::contact, true, false, false, false}, access::act},
  {"support: another contact sees nothing",
   {conv_kind::support, who::contact, false, false, false, false}, access::none},
  {"support: the alias bot acts as participant",
   {conv_kind::support, who::bot, true, false, false, false}, access::act},
  {"support: a bot that does not take part sees nothing",
   {conv_kind::support, who::bot, false, false, false, false}, access::none},
  {"support: an ai assignee that takes part acts",
   {conv_kind::support, who::ai, true, false, false, false}, access::act},
  {"support: an ai that does not take part sees nothing",
   {conv_kind::support, who::ai, false, false, false, false}, access::none},
  {"support: a client who does not take part sees nothing",
   {conv_kind::support, who::client_of_company, false, true, false, false},
   access::none},
  {"support: staff of another org sees nothing",
   {conv_kind::support, who::staff_of_other_org, false, false, false, false},
   access::none},
  {"support: ended, staff reads only",
   {conv_kind::support, who::staff_member, false, false, false, true}, access::read},
};
// clang-format on

TEST(visibility, named_rows) {
  const population pop;
  for (const auto& row : named_rows) {
    EXPECT_EQ(name_of(actual(pop, row.s)), name_of(row.expected))
        << "case: " << row.name << " (" << describe(row.s) << ")";
    // The named rows and the oracle must tell the same story.
    EXPECT_EQ(name_of(oracle(row.s)), name_of(row.expected))
        << "oracle disagrees with named row: " << row.name;
  }
}

// Users the population above does not cover.
TEST(visibility, staff_without_a_role_counts_as_member) {
  auto u = staff("norole", std::nullopt);
  visibility::viewer v{&u, false, true};
  EXPECT_EQ(name_of(visibility::evaluate(v, facts(conv_kind::company, false, false))),
            "act")
      << "case: staff with no role given reads a favoured company conversation";
  EXPECT_EQ(
      name_of(visibility::evaluate(v, facts(conv_kind::confidential, false, false))),
      "act")
      << "case: staff with no role given reads a favoured confidential conversation";
  v.favours_company = false;
  EXPECT_EQ(name_of(visibility::evaluate(v, facts(conv_kind::support, false, false))),
            "act")
      << "case: staff with no role given reads the support inbox";
}

TEST(visibility, client_favourite_of_another_company_gives_nothing) {
  // A client of rival-co with client-co among its favourites: favourites of a
  // client count only for its own company.
  auto u = client("rival", other_company);
  visibility::viewer v{&u, false, true};
  EXPECT_EQ(name_of(visibility::evaluate(v, facts(conv_kind::company, true, false))),
            "none")
      << "case: client favouring a company not its own, favouring client takes part";
}

TEST(visibility, client_of_another_org_sees_nothing) {
  auto u = client("far", company, other_org);
  for (auto kind : all_kinds) {
    visibility::viewer v{&u, true, true};
    EXPECT_EQ(name_of(visibility::evaluate(v, facts(kind, true, false))), "none")
        << "case: client of another org, participant and favouring, " << name_of(kind);
  }
}

// ---------------------------------------------------------------------------
// Cross-organisation direct conversations (docs/protocol.md §8)
// ---------------------------------------------------------------------------

/// A direct conversation of `org` (the inviter's) with `other_org` as its peer.
visibility::conversation_facts cross_org_direct(bool ended,
                                                conv_kind kind = conv_kind::direct) {
  auto c = facts(kind, false, ended);
  c.peer_org = other_org;
  return c;
}

/// Across orgs the direct conversation is read by its participants of either org:
/// participation decides, and the viewer must belong to one of the two orgs.
access oracle_cross(who w, bool participant, bool ended) {
  if (w == who::unknown || !participant) return access::none;
  return ended ? access::read : access::act;
}

TEST(visibility, cross_org_direct_exhaustive) {
  const population pop;
  int rows = 0;
  for (auto w : all_who)
    for (bool participant : {false, true})
      for (bool favours : {false, true})
        for (bool ended : {false, true}) {
          visibility::viewer v{pop.get(w), participant, favours};
          auto got = visibility::evaluate(v, cross_org_direct(ended));
          EXPECT_EQ(name_of(got), name_of(oracle_cross(w, participant, ended)))
              << "case: cross-org direct / " << name_of(w)
              << (participant ? " / participant" : " / not participant")
              << (favours ? " / favours" : "") << (ended ? " / ended" : " / open");
          ++rows;
        }
  EXPECT_EQ(rows, 11 * 2 * 2 * 2);
}

TEST(visibility, cross_org_direct_named) {
  const population pop;
  auto third = staff("third", staff_role::member, "initech");
  auto peer_owner = staff("peer-owner", staff_role::owner, other_org);
  struct row {
    const char* name;
    const user_info* user;
    bool participant;
    visibility::conversation_facts conv;
    access expected;
  };
  const std::vector<row> rows{
      {"the invitee (peer org) acts", &pop.foreigner, true, cross_org_direct(false),
       access::act},
      {"the inviter (conversation's org) acts", &pop.member, true,
       cross_org_direct(false), access::act},
      {"ended: the invitee reads only", &pop.foreigner, true, cross_org_direct(true),
       access::read},
      {"ended: the inviter reads only", &pop.member, true, cross_org_direct(true),
       access::read},
      {"an owner of the inviter's org who does not take part sees nothing", &pop.owner,
       false, cross_org_direct(false), access::none},
      {"an owner of the peer org who does not take part sees nothing", &peer_owner, false,
       cross_org_direct(false), access::none},
      {"a participant moved to a third org sees nothing", &third, true,
       cross_org_direct(false), access::none},
      {"a peer org never opens a private conversation to its users", &pop.foreigner, true,
       cross_org_direct(false, conv_kind::private_), access::none},
      {"a peer org never opens a support conversation to its staff", &pop.foreigner,
       false, cross_org_direct(false, conv_kind::support), access::none},
      {"a same-org direct conversation stays closed to another org", &pop.foreigner, true,
       facts(conv_kind::direct, false, false), access::none},
  };
  for (const auto& r : rows)
    EXPECT_EQ(name_of(visibility::evaluate({r.user, r.participant, false}, r.conv)),
              name_of(r.expected))
        << "case: " << r.name;
}

// ---------------------------------------------------------------------------
// The other pure functions
// ---------------------------------------------------------------------------

TEST(visibility, can_read_and_can_act) {
  EXPECT_FALSE(visibility::can_read(access::none)) << "case: none cannot read";
  EXPECT_FALSE(visibility::can_act(access::none)) << "case: none cannot act";
  EXPECT_TRUE(visibility::can_read(access::read)) << "case: read can read";
  EXPECT_FALSE(visibility::can_act(access::read)) << "case: read cannot act";
  EXPECT_TRUE(visibility::can_read(access::act)) << "case: act can read";
  EXPECT_TRUE(visibility::can_act(access::act)) << "case: act can act";
}

TEST(visibility, is_favouring_client) {
  const population pop;
  struct row {
    const char* name;
    const user_info* user;
    bool favours;
    std::string_view company;
    bool expected;
  };
  auto no_company_client = plain("nc", user_kind::client);
  auto empty_company_client = client("ec", "");
  const std::vector<row> rows{
      {"client of the company with the favourite", &pop.own_client, true, company, true},
      {"client of the company without the favourite", &pop.own_client, false, company,
       false},
      {"client of another company with the favourite", &pop.other_client, true, company,
       false},
      {"client of another company, asked about its own company without the favourite",
       &pop.other_client, false, other_company, false},
      {"client of another company, asked about its own company with the favourite",
       &pop.other_client, true, other_company, true},
      {"staff member with the favourite", &pop.member, true, company, false},
      {"staff owner with the favourite", &pop.owner, true, company, false},
      {"contact with the favourite", &pop.contact, true, company, false},
      {"ai with the favourite", &pop.ai, true, company, false},
      {"bot with the favourite", &pop.bot, true, company, false},
      {"client with no company, conversation with no company", &no_company_client, true,
       "", false},
      {"client with an empty company, conversation with no company",
       &empty_company_client, true, "", false},
      {"client of the company, conversation with no company", &pop.own_client, true, "",
       false},
  };
  for (const auto& r : rows)
    EXPECT_EQ(visibility::is_favouring_client(*r.user, r.favours, r.company), r.expected)
        << "case: " << r.name;
}

TEST(visibility, sees_internal) {
  const population pop;
  auto norole = staff("norole", std::nullopt);
  struct row {
    const char* name;
    const user_info* user;
    bool expected;
  };
  const std::vector<row> rows{
      {"staff member", &pop.member, true},
      {"staff admin", &pop.admin, true},
      {"staff owner", &pop.owner, true},
      {"staff guest", &pop.guest, true},
      {"staff with no role given", &norole, true},
      {"client of the company", &pop.own_client, false},
      {"client of another company", &pop.other_client, false},
      {"contact", &pop.contact, false},
      {"ai", &pop.ai, false},
      {"bot", &pop.bot, false},
      {"unknown user (nullptr)", nullptr, false},
  };
  for (const auto& r : rows)
    EXPECT_EQ(visibility::sees_internal(r.user), r.expected) << "case: " << r.name;
}

/// Expected membership, from the decisions: the org first, then the company of a
/// company-tied conversation, then the kind (contacts: support only).
membership oracle_membership(who w, conv_kind kind) {
  if (w == who::staff_of_other_org) return membership::other_org;
  if (tied_to_company(kind) && w == who::client_of_other)
    return membership::wrong_company;
  if (w == who::contact && kind != conv_kind::support) return membership::wrong_kind;
  return membership::allowed;
}

TEST(visibility, may_participate_table) {
  const population pop;
  int rows = 0;
  for (auto kind : all_kinds)
    for (auto w : all_who) {
      if (w == who::unknown) continue; // may_participate takes a provisioned user
      auto c = facts(kind, false, false);
      auto got = visibility::may_participate(*pop.get(w), kind, c.org, c.company);
      EXPECT_EQ(name_of(got), name_of(oracle_membership(w, kind)))
          << "case: " << name_of(w) << " in a " << name_of(kind) << " conversation";
      ++rows;
    }
  EXPECT_EQ(rows, 5 * 10);
}

TEST(visibility, may_participate_named) {
  const population pop;
  auto far_client = client("far", other_company, other_org);
  auto far_contact = plain("far-contact", user_kind::contact, other_org);
  struct row {
    const char* name;
    const user_info* user;
    conv_kind kind;
    std::string_view company;
    membership expected;
  };
  const std::vector<row> rows{
      {"client of the company in a company conversation", &pop.own_client,
       conv_kind::company, company, membership::allowed},
      {"client of another company in a company conversation", &pop.other_client,
       conv_kind::company, company, membership::wrong_company},
      {"client of another company in a confidential conversation", &pop.other_client,
       conv_kind::confidential, company, membership::wrong_company},
      {"client in a private conversation", &pop.own_client, conv_kind::private_, "",
       membership::allowed},
      {"client of another company in a private conversation", &pop.other_client,
       conv_kind::private_, "", membership::allowed},
      {"client in a direct conversation", &pop.other_client, conv_kind::direct, "",
       membership::allowed},
      {"contact in a private conversation", &pop.contact, conv_kind::private_, "",
       membership::wrong_kind},
      {"contact in a direct conversation", &pop.contact, conv_kind::direct, "",
       membership::wrong_kind},
      {"contact in a company conversation", &pop.contact, conv_kind::company, company,
       membership::wrong_kind},
      {"contact in its support conversation", &pop.contact, conv_kind::support, "",
       membership::allowed},
      {"guest in a company conversation", &pop.guest, conv_kind::company, company,
       membership::allowed},
      {"staff of another org in a private conversation", &pop.foreigner,
       conv_kind::private_, "", membership::other_org},
      {"client of another org and another company: the org comes first", &far_client,
       conv_kind::company, company, membership::other_org},
      {"contact of another org in support: the org comes first", &far_contact,
       conv_kind::support, "", membership::other_org},
      {"contact of another org in private: the org comes first", &far_contact,
       conv_kind::private_, "", membership::other_org},
  };
  for (const auto& r : rows)
    EXPECT_EQ(name_of(visibility::may_participate(*r.user, r.kind, org, r.company)),
              name_of(r.expected))
        << "case: " << r.name;
}

TEST(visibility, may_remove) {
  const population pop;
  auto norole = staff("norole", std::nullopt);
  struct row {
    const char* name;
    const user_info* actor;
    bool may_remove_others;
  };
  const std::vector<row> rows{
      {"staff member", &pop.member, true},
      {"staff admin", &pop.admin, true},
      {"staff owner", &pop.owner, true},
      {"staff with no role given", &norole, true},
      {"staff guest", &pop.guest, false},
      {"client of the company", &pop.own_client, false},
      {"client of another company", &pop.other_client, false},
      {"contact", &pop.contact, false},
      {"ai", &pop.ai, false},
      {"bot", &pop.bot, false},
  };
  for (const auto& r : rows) {
    EXPECT_TRUE(visibility::may_remove(*r.actor, r.actor->id))
        << "case: " << r.name << " removes itself";
    EXPECT_EQ(visibility::may_remove(*r.actor, "someone-else"), r.may_remove_others)
        << "case: " << r.name << " removes someone else";
    EXPECT_EQ(visibility::may_remove(
                  *r.actor, pop.member.id == r.actor->id ? pop.admin.id : pop.member.id),
              r.may_remove_others)
        << "case: " << r.name << " removes a staff member";
  }
}

TEST(visibility, membership_editable) {
  EXPECT_TRUE(visibility::membership_editable(conv_kind::company)) << "case: company";
  EXPECT_TRUE(visibility::membership_editable(conv_kind::confidential))
      << "case: confidential";
  EXPECT_TRUE(visibility::membership_editable(conv_kind::private_)) << "case: private";
  EXPECT_FALSE(visibility::membership_editable(conv_kind::direct))
      << "case: direct is fixed 1:1";
  EXPECT_FALSE(visibility::membership_editable(conv_kind::support))
      << "case: support is fixed 1:1";
}

TEST(visibility, participates) {
  const std::vector<std::string> list{"alice", "bob", "cli"};
  EXPECT_TRUE(visibility::participates("alice", list)) << "case: first";
  EXPECT_TRUE(visibility::participates("cli", list)) << "case: last";
  EXPECT_FALSE(visibility::participates("carol", list)) << "case: absent";
  EXPECT_FALSE(visibility::participates("ali", list)) << "case: prefix of an id";
  EXPECT_FALSE(visibility::participates("alice2", list)) << "case: an id as prefix";
  EXPECT_FALSE(visibility::participates("Alice", list)) << "case: ids are exact";
  EXPECT_FALSE(visibility::participates("", list)) << "case: empty id";
  EXPECT_FALSE(visibility::participates("alice", {})) << "case: nobody takes part";
}

} // namespace
} // namespace parley

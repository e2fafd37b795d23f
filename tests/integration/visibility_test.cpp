// Visibility over real WebSockets (docs/protocol.md §5): for each conversation
// kind, which of a cast of users can read history, reply, open and list it; that
// every unreadable case answers exactly like a conversation that does not exist and
// pushes nothing; and that a subscription losing its right is revoked at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/harness.hpp"

namespace parley::test {
namespace {

/// The cast. alice creates every conversation (and favours "co").
const std::vector<std::string> cast{
    "alice",     // staff, favours co: the creator
    "fav_staff", // staff, favours co
    "plain",     // staff, no favourites
    "guest",     // staff guest, favours co
    "cli_fav",   // client of co, favours co
    "cli_fav2",  // client of co, favours co (never a participant)
    "cli_nofav", // client of co, no favourites
    "cli_other", // client of "other", favours other
};

class visibility : public ::testing::Test, public chat_fixture {
protected:
  void SetUp() override {
    start();
    provision({});
    for (auto company : {"co", "other"}) {
      protocol::map_builder c;
      c.str("company", company).str("org", "acme").str("name", company);
      admin("admin.company.put", c);
    }
    put_user("alice", "staff", "member", "");
    put_user("fav_staff", "staff", "member", "");
    put_user("plain", "staff", "member", "");
    put_user("guest", "staff", "guest", "");
    put_user("cli_fav", "client", "", "co");
    put_user("cli_fav2", "client", "", "co");
    put_user("cli_nofav", "client", "", "co");
    put_user("cli_other", "client", "", "other");
    favorites("alice", {"co"});
    favorites("fav_staff", {"co"});
    favorites("guest", {"co"});
    favorites("cli_fav", {"co"});
    favorites("cli_fav2", {"co"});
    favorites("cli_other", {"other"});
  }

  void put_user(const std::string& id, const std::string& kind, const std::string& role,
                const std::string& company) {
    protocol::map_builder u;
    u.str("user", id).str("org", "acme").str("kind", kind).str("name", id);
    if (!role.empty()) u.str("role", role);
    if (!company.empty()) u.str("company", company);
    admin("admin.user.put", u);
  }

  void favorites(const std::string& user, const std::vector<std::string>& companies) {
    protocol::map_builder f;
    f.str("user", user).str_list("companies", companies);
    admin("admin.favorites.set", f);
  }

  std::string create(ws_client& c, const std::string& kind, const std::string& company,
                     const std::vector<std::string>& participants) {
    protocol::map_builder f;
    f.str("kind", kind).str_list("participants", participants);
    if (!company.empty()) f.str("company", company);
    auto r = c.request("conv.create", f);
    if (!r.ok()) throw std::runtime_error("conv.create: " + r.str("message"));
    return r.sub("conv").str("id");
  }

  static protocol::map_builder conv_args(const std::string& conv) {
    protocol::map_builder f;
    f.str("conv", conv);
    return f;
  }

  static std::set<std::string> listed(ws_client& c) {
    protocol::map_builder f;
    f.uint("limit", 200);
    auto r = c.request("conv.list", f);
    std::set<std::string> ids;
    for (const auto& item : r.list("items"))
      ids.insert(item.str("id"));
    return ids;
  }
};

/// One conversation of the matrix and who may read it.
struct scenario {
  std::string name;
  std::string kind;
  std::string company;
  std::vector<std::string> participants; // besides alice
  std::set<std::string> readers;
};

std::vector<scenario> scenarios() {
  return {
      {"company shared with a favouring client",
       "company",
       "co",
       {"cli_fav"},
       {"alice", "fav_staff", "cli_fav", "cli_fav2"}},
      {"company among staff only",
       "company",
       "co",
       {"plain"},
       {"alice", "fav_staff", "plain"}},
      {"company with a client who does not favour it",
       "company",
       "co",
       {"cli_nofav"},
       {"alice", "fav_staff", "cli_nofav"}},
      {"confidential with a client participant",
       "confidential",
       "co",
       {"cli_nofav", "guest"},
       {"alice", "fav_staff", "cli_nofav", "guest"}},
      {"confidential with a favouring client participant",
       "confidential",
       "co",
       {"cli_fav"},
       {"alice", "fav_staff", "cli_fav"}},
      {"private", "private", "", {"plain", "cli_nofav"}, {"alice", "plain", "cli_nofav"}},
      {"direct", "direct", "", {"plain"}, {"alice", "plain"}},
  };
}

TEST_F(visibility, every_kind_on_every_path_for_every_user) {
  std::map<std::string, std::unique_ptr<ws_client>> clients;
  for (const auto& u : cast) {
    clients[u] = connect_as(u);
    clients[u]->keep_notify = true; // notifications must obey the rule too
  }
  // What a conversation that does not exist answers: the unreadable must match it.
  auto ghost = conv_args("c" + std::string(26, 'a'));
  auto absent = clients["plain"]->request("conv.get", ghost);
  ASSERT_EQ(absent.code(), "not_found");

  std::vector<std::pair<scenario, std::string>> convs;
  for (const auto& s : scenarios())
    convs.emplace_back(s, create(*clients["alice"], s.kind, s.company, s.participants));

  std::map<std::string, std::set<std::string>> lists;
  for (const auto& u : cast)
    lists[u] = listed(*clients[u]);

  for (const auto& [s, conv] : convs) {
    for (const auto& u : cast) {
      SCOPED_TRACE(s.name + " / " + u);
      bool reader = s.readers.count(u) > 0;
      auto& c = *clients[u];
      auto args = conv_args(conv);
      auto get = c.request("conv.get", args);
      auto history = c.request("msg.history", args);
      auto open = c.request("conv.open", args);
      protocol::map_builder send;
      send.str("conv", conv).str("cid", "probe-" + u).str("body", "hello from " + u);
      auto sent = c.request("msg.send", send);
      EXPECT_EQ(lists[u].count(conv) > 0, reader) << "conv.list";
      std::vector<std::pair<std::string, frame_view>> paths{{"conv.get", get},
                                                            {"msg.history", history},
                                                            {"conv.open", open},
                                                            {"msg.send", sent}};
      if (!reader) {
        // Deep links and membership ops by outsiders reveal nothing either (readers
        // are left out here: joining would change who reads).
        protocol::map_builder link;
        link.str("conv", conv).uint("seq", 1);
        paths.emplace_back("msg.around", c.request("msg.around", link));
        protocol::map_builder join;
        join.str("conv", conv).str_list("users", {u});
        paths.emplace_back("conv.participants.add",
                           c.request("conv.participants.add", join));
        protocol::map_builder kick;
        kick.str("conv", conv).str_list("users", {"alice"});
        paths.emplace_back("conv.participants.remove",
                           c.request("conv.participants.remove", kick));
      }
      for (const auto& [path, r] : paths) {
        if (reader) {
          EXPECT_TRUE(r.ok()) << path << ": " << r.str("message");
        } else {
          EXPECT_EQ(r.code(), "not_found") << path;
          EXPECT_EQ(r.str("message"), absent.str("message")) << path;
        }
      }
    }
  }
  // Every reader opened every conversation it may read and then sent one message
  // to it: a reader receives exactly the messages sent after its conv.open to the
  // conversations it reads, and a participant who reads is notified of the
  // messages sent before its conv.open (with the conversation open it gets the
  // message itself, not a notify: docs/protocol.md §7, v1.1); nobody receives
  // anything else.
  for (const auto& u : cast) {
    SCOPED_TRACE("pushes to " + u);
    std::multiset<std::string> expected;
    for (const auto& [s, conv] : convs) {
      if (!s.readers.count(u)) continue;
      bool participant =
          u == "alice" || std::count(s.participants.begin(), s.participants.end(), u) > 0;
      // Pushes arrive for messages committed after this user's conv.open: its own
      // and those of the readers after it in the cast.
      bool after = false;
      for (const auto& v : cast) {
        after = after || v == u;
        if (after && s.readers.count(v)) expected.insert("message " + conv + " " + v);
        if (participant && !after && s.readers.count(v))
          expected.insert("notify " + conv + " " + v);
      }
    }
    std::multiset<std::string> got;
    while (auto p = clients[u]->next_push(300ms))
      got.insert(p->op() + " " + p->str("conv") + " " + p->str("author"));
    EXPECT_EQ(got, expected);
  }
}

TEST_F(visibility, membership_rules) {
  auto alice = connect_as("alice");
  auto company = create(*alice, "company", "co", {});
  auto add = [&](ws_client& c, const std::string& conv, const std::string& user) {
    protocol::map_builder f;
    f.str("conv", conv).str_list("users", {user});
    return c.request("conv.participants.add", f);
  };
  auto remove = [&](ws_client& c, const std::string& conv, const std::string& user) {
    protocol::map_builder f;
    f.str("conv", conv).str_list("users", {user});
    return c.request("conv.participants.remove", f);
  };
  // A client of another company may not join a company conversation.
  EXPECT_EQ(add(*alice, company, "cli_other").code(), "forbidden");
  EXPECT_EQ(add(*alice, company, "nobody").code(), "bad_request");
  auto r = add(*alice, company, "cli_nofav");
  ASSERT_TRUE(r.ok()) << r.str("message");
  auto parts = r.sub("conv").str_list("participants");
  EXPECT_EQ(parts, (std::vector<std::string>{"alice", "cli_nofav"}));
  // The client now reads it; it may leave but may not remove others.
  auto cli = connect_as("cli_nofav");
  EXPECT_TRUE(cli->request("conv.get",
                           *std::make_unique<protocol::map_builder>(conv_args(company)))
                  .ok());
  EXPECT_EQ(remove(*cli, company, "alice").code(), "forbidden");
  EXPECT_TRUE(remove(*cli, company, "cli_nofav").ok());
  // A conversation keeps at least one participant.
  EXPECT_EQ(remove(*alice, company, "alice").code(), "bad_request");
  auto gone = conv_args(company);
  EXPECT_EQ(cli->request("conv.get", gone).code(), "not_found");
  // Direct conversations keep their two participants.
  auto direct = create(*alice, "direct", "", {"plain"});
  EXPECT_EQ(add(*alice, direct, "fav_staff").code(), "forbidden");
  EXPECT_EQ(remove(*alice, direct, "plain").code(), "forbidden");
  // Creation checks the same rules.
  protocol::map_builder bad;
  bad.str("kind", "confidential")
      .str("company", "co")
      .str_list("participants", {"cli_other"});
  EXPECT_EQ(alice->request("conv.create", bad).code(), "forbidden");
  protocol::map_builder no_company;
  no_company.str("kind", "company").str_list("participants", {});
  EXPECT_EQ(alice->request("conv.create", no_company).code(), "bad_request");
  protocol::map_builder two;
  two.str("kind", "direct").str_list("participants", {"plain", "fav_staff"});
  EXPECT_EQ(alice->request("conv.create", two).code(), "bad_request");
  // A client may favour only its own company.
  protocol::map_builder fav;
  fav.str("company", "other");
  EXPECT_EQ(cli->request("favorites.add", fav).code(), "forbidden");
}

TEST_F(visibility, directory_ops_validate_and_keep_ids_to_their_org) {
  protocol::map_builder team;
  team.str("team", "support").str("org", "acme").str("name", "Support");
  team.str_list("members", {"alice", "plain"});
  EXPECT_TRUE(admin("admin.team.put", team).ok());
  auto ops = connect_as("ops", true);
  protocol::map_builder stranger;
  stranger.str("team", "t2").str("org", "acme").str("name", "T2");
  stranger.str_list("members", {"nobody"});
  EXPECT_EQ(ops->request("admin.team.put", stranger).code(), "bad_request");
  protocol::map_builder no_members;
  no_members.str("team", "t3").str("org", "acme").str("name", "T3");
  EXPECT_EQ(ops->request("admin.team.put", no_members).code(), "bad_request");
  // Another org may not take over acme's company or team ids.
  protocol::map_builder other;
  other.str("org", "globex").str("name", "Globex");
  admin("admin.org.put", other);
  protocol::map_builder steal_company;
  steal_company.str("company", "co").str("org", "globex").str("name", "Mine now");
  EXPECT_EQ(ops->request("admin.company.put", steal_company).code(), "conflict");
  protocol::map_builder steal_team;
  steal_team.str("team", "support").str("org", "globex").str("name", "Mine now");
  steal_team.str_list("members", {});
  EXPECT_EQ(ops->request("admin.team.put", steal_team).code(), "conflict");
  // Favourites name companies of the user's own org, and a client only its own.
  protocol::map_builder unknown;
  unknown.str("user", "fav_staff").str_list("companies", {"nope"});
  EXPECT_EQ(ops->request("admin.favorites.set", unknown).code(), "bad_request");
  protocol::map_builder foreign;
  foreign.str("user", "cli_fav").str_list("companies", {"other"});
  EXPECT_EQ(ops->request("admin.favorites.set", foreign).code(), "bad_request");
  // A user's own favourites op without a company is a clear bad_request.
  auto staff = connect_as("plain");
  EXPECT_EQ(staff->request("favorites.add").code(), "bad_request");
}

/// Waits for `{op: revoked, conv}` on `c`; fails on anything else.
void expect_revoked(ws_client& c, const std::string& conv) {
  auto p = c.next_push(5s);
  ASSERT_TRUE(p) << "no revoked push";
  EXPECT_EQ(p->op(), "revoked");
  EXPECT_EQ(p->str("conv"), conv);
}

TEST_F(visibility, a_removed_favourite_revokes_an_open_subscription_at_once) {
  auto alice = connect_as("alice");
  auto conv = create(*alice, "company", "co", {});
  auto staff = connect_as("fav_staff");
  auto args = conv_args(conv);
  ASSERT_TRUE(staff->request("conv.open", args).ok());
  protocol::map_builder rm;
  rm.str("company", "co");
  auto r = staff->request("favorites.remove", rm);
  ASSERT_TRUE(r.ok()) << r.str("message");
  EXPECT_TRUE(r.str_list("favorites").empty());
  expect_revoked(*staff, conv);
  protocol::map_builder s;
  s.str("conv", conv).str("cid", "after").str("body", "not for you any more");
  ASSERT_TRUE(alice->request("msg.send", s).ok());
  EXPECT_FALSE(staff->next_push(300ms));
  EXPECT_EQ(staff->request("msg.history", args).code(), "not_found");
  // Favouring again gives the conversation back (a new conv.open subscribes).
  auto again = staff->request("favorites.add", rm);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(staff->request("conv.open", args).ok());
}

TEST_F(visibility, a_removed_participant_is_revoked) {
  auto alice = connect_as("alice");
  auto conv = create(*alice, "private", "", {"plain"});
  auto plain = connect_as("plain");
  auto args = conv_args(conv);
  ASSERT_TRUE(plain->request("conv.open", args).ok());
  protocol::map_builder rm;
  rm.str("conv", conv).str_list("users", {"plain"});
  ASSERT_TRUE(alice->request("conv.participants.remove", rm).ok());
  expect_revoked(*plain, conv);
  protocol::map_builder s;
  s.str("conv", conv).str("cid", "x").str("body", "private now");
  ASSERT_TRUE(alice->request("msg.send", s).ok());
  EXPECT_FALSE(plain->next_push(300ms));
}

TEST_F(visibility, a_client_re_put_into_another_company_is_revoked) {
  auto alice = connect_as("alice");
  auto conv = create(*alice, "confidential", "co", {"cli_nofav"});
  auto cli = connect_as("cli_nofav");
  auto args = conv_args(conv);
  ASSERT_TRUE(cli->request("conv.open", args).ok());
  put_user("cli_nofav", "client", "", "other");
  expect_revoked(*cli, conv);
  EXPECT_EQ(cli->request("msg.history", args).code(), "not_found");
  EXPECT_EQ(listed(*cli).count(conv), 0u);
}

TEST_F(visibility, a_company_conversation_opens_to_favouring_clients_when_one_joins) {
  auto alice = connect_as("alice");
  auto conv = create(*alice, "company", "co", {});
  auto cli2 = connect_as("cli_fav2");
  auto args = conv_args(conv);
  EXPECT_EQ(cli2->request("conv.get", args).code(), "not_found");
  protocol::map_builder add;
  add.str("conv", conv).str_list("users", {"cli_fav"});
  ASSERT_TRUE(alice->request("conv.participants.add", add).ok());
  EXPECT_TRUE(cli2->request("conv.get", args).ok());
  EXPECT_EQ(listed(*cli2).count(conv), 1u);
}

TEST_F(visibility, list_pages_through_favourites_and_participations_in_order) {
  auto alice = connect_as("alice");
  std::vector<std::string> made;
  for (int i = 0; i < 7; ++i) {
    made.push_back(create(*alice, i % 2 ? "company" : "private", i % 2 ? "co" : "",
                          i % 2 ? std::vector<std::string>{}
                                : std::vector<std::string>{"fav_staff"}));
    std::this_thread::sleep_for(3ms); // distinct activity times
  }
  // fav_staff reads all 7: four by participation, three by favourite.
  auto staff = connect_as("fav_staff");
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    protocol::map_builder f;
    f.uint("limit", 3);
    if (!cursor.empty()) f.str("cursor", cursor);
    auto r = staff->request("conv.list", f);
    ASSERT_TRUE(r.ok()) << r.str("message");
    for (const auto& item : r.list("items"))
      seen.push_back(item.str("id"));
    if (!r.has("cursor")) break;
    cursor = r.str("cursor");
  }
  std::vector<std::string> newest_first(made.rbegin(), made.rend());
  EXPECT_EQ(seen, newest_first);
}

} // namespace
} // namespace parley::test

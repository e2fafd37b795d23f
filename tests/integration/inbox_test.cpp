// inbox.list over real WebSockets against a real PostgreSQL (docs/protocol.md §9):
// views, filters, sorts, paging with cursors, the item shape (contact, unread), who
// may list (staff other than guests), bad arguments answered with bad_request on a
// connection that lives on, and another org's conversations never appearing.
//
// The test writes its support conversations' rows (and a blocked contact, and some
// unread messages) into the server's database directly, which sets up dozens of
// them with exact timestamps faster than contacts writing over the wire would
// (support_test.cpp covers that path); inbox.list reads them like any other.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/integration/harness.hpp"

namespace parley::test {
namespace {

class inbox : public ::testing::Test, public chat_fixture {
protected:
  void SetUp() override {
    start();
    provision({});
    protocol::map_builder globex;
    globex.str("org", "globex").str("name", "Globex");
    admin("admin.org.put", globex);
    protocol::map_builder co;
    co.str("company", "co").str("org", "acme").str("name", "Client Co");
    admin("admin.company.put", co);
    put_user("alice", "acme", "staff", "member");
    put_user("carol", "acme", "staff", "member");
    put_user("aguest", "acme", "staff", "guest");
    put_user("acli", "acme", "client", "", "co");
    put_user("bob", "globex", "staff", "member");
    for (const char* k : {"k1", "k2", "k3", "k4", "k5"})
      put_user(k, "acme", "contact");
    put_user("gk1", "globex", "contact");
    protocol::map_builder billing;
    billing.str("team", "billing").str("org", "acme").str("name", "Billing");
    billing.str_list("members", {"alice"});
    admin("admin.team.put", billing);
    protocol::map_builder gteam;
    gteam.str("team", "gteam").str("org", "globex").str("name", "G");
    gteam.str_list("members", {"bob"});
    admin("admin.team.put", gteam);

    // id, org, contact, status, assignee, team, last_ts, last_contact_ts, unreplied
    support("s1", "acme", "k1", "open", "'alice'", "'billing'", 1000, "900", true);
    support("s2", "acme", "k2", "closed", "NULL", "NULL", 2000, "1500", false);
    support("s3", "acme", "k3", "snoozed", "'carol'", "'billing'", 3000, "2500", true);
    support("s4", "acme", "k4", "open", "NULL", "NULL", 4000, "3900", true);
    support("s5", "acme", "k5", "open", "'alice'", "NULL", 1500, "1400", true);
    // Another org's conversation, assigned to an id like alice's, newest of all.
    support("g1", "globex", "gk1", "open", "'alice'", "'gteam'", 9000, "8000", true);
    db->query("INSERT INTO contact_blocks (contact, org, blocked_by, blocked_at)"
              " VALUES ('k4', 'acme', 'alice', 1) RETURNING contact");
    // Three messages of k1 that alice has not read.
    db->query("INSERT INTO messages (conv, seq, ts, author, cid, body)"
              " SELECT 's1', g, 900, 'k1', 'c' || g, 'hello' FROM generate_series(1, 3) g"
              " RETURNING conv");
    db->query("UPDATE conversations SET last_seq = 3 WHERE id = 's1' RETURNING id");
  }

  void put_user(const std::string& id, const std::string& org, const std::string& kind,
                const std::string& role = "", const std::string& company = "") {
    protocol::map_builder u;
    u.str("user", id).str("org", org).str("kind", kind);
    if (!role.empty()) u.str("role", role);
    if (!company.empty()) u.str("company", company);
    u.str("name", "Name of " + id).str("email", id + "@example.test");
    admin("admin.user.put", u);
  }

  void support(const std::string& id, const std::string& org, const std::string& contact,
               const std::string& status, const std::string& assignee,
               const std::string& team, std::int64_t last_ts,
               const std::string& last_contact_ts, bool unreplied) {
    db->query("INSERT INTO conversations (id, kind, org, created_by, created_at, last_ts,"
              " contact, status, assignee, team, snoozed_until, last_contact_ts,"
              " unreplied) VALUES ('" +
              id + "', 'support', '" + org + "', '" + contact + "', 1, " +
              std::to_string(last_ts) + ", '" + contact + "', '" + status + "', " +
              assignee + ", " + team + ", " +
              (status == "snoozed" ? "99999999999999" : "NULL") + ", " + last_contact_ts +
              ", " + (unreplied ? "true" : "false") + ") RETURNING id");
  }

  struct args {
    args(std::string v, std::string st = "", std::string so = "", std::string cu = "",
         std::optional<bool> u = std::nullopt, std::int64_t l = 0)
        : view(std::move(v)), status(std::move(st)), sort(std::move(so)),
          cursor(std::move(cu)), unreplied(u), limit(l) {}
    std::string view;
    std::string status, sort, cursor;
    std::optional<bool> unreplied;
    std::int64_t limit = 0;
  };

  static frame_view list(ws_client& c, const args& a) {
    protocol::map_builder f;
    if (!a.view.empty()) f.str("view", a.view);
    if (!a.status.empty()) f.str("status", a.status);
    if (!a.sort.empty()) f.str("sort", a.sort);
    if (!a.cursor.empty()) f.str("cursor", a.cursor);
    if (a.unreplied) f.boolean("unreplied", *a.unreplied);
    if (a.limit) f.sint("limit", a.limit);
    return c.request("inbox.list", f);
  }

  static std::vector<std::string> ids(const frame_view& r) {
    std::vector<std::string> out;
    for (const auto& it : r.list("items"))
      out.push_back(it.str("id"));
    return out;
  }

  /// The ids of one request that must succeed without a cursor.
  static std::vector<std::string> page(ws_client& c, const args& a) {
    auto r = list(c, a);
    EXPECT_TRUE(r.ok()) << a.view << ": " << r.str("message");
    EXPECT_FALSE(r.has("cursor")) << a.view;
    return ids(r);
  }

  using list_t = std::vector<std::string>;
};

TEST_F(inbox, views_filters_and_sorts) {
  auto alice = connect_as("alice");
  EXPECT_EQ(page(*alice, {"all"}), (list_t{"s3", "s2", "s5", "s1"})); // s4: blocked
  EXPECT_EQ(page(*alice, {"mine"}), (list_t{"s5", "s1"}));
  EXPECT_EQ(page(*alice, {"unassigned"}), (list_t{"s2"}));
  EXPECT_EQ(page(*alice, {"team:billing"}), (list_t{"s3", "s1"}));
  EXPECT_EQ(page(*alice, {"blocked"}), (list_t{"s4"}));
  EXPECT_EQ(page(*alice, {"all", "open"}), (list_t{"s5", "s1"}));
  EXPECT_EQ(page(*alice, {"all", "closed"}), (list_t{"s2"}));
  EXPECT_EQ(page(*alice, {"all", "snoozed"}), (list_t{"s3"}));
  EXPECT_EQ(page(*alice, {"all", "all"}), (list_t{"s3", "s2", "s5", "s1"}));
  EXPECT_EQ(page(*alice, {"all", "", "", "", true}), (list_t{"s3", "s5", "s1"}));
  EXPECT_EQ(page(*alice, {"all", "", "", "", false}), (list_t{"s2"}));
  EXPECT_EQ(page(*alice, {"mine", "open", "", "", true}), (list_t{"s5", "s1"}));
  EXPECT_EQ(page(*alice, {"all", "", "newest"}), (list_t{"s3", "s2", "s5", "s1"}));
  EXPECT_EQ(page(*alice, {"all", "", "oldest"}), (list_t{"s1", "s5", "s2", "s3"}));
  // Waiting conversations first (longest wait first / most recent first), then the
  // answered ones by id.
  EXPECT_EQ(page(*alice, {"all", "", "longest"}), (list_t{"s1", "s5", "s3", "s2"}));
  EXPECT_EQ(page(*alice, {"all", "", "shortest"}), (list_t{"s3", "s5", "s1", "s2"}));
}

TEST_F(inbox, items_carry_the_conversation_its_contact_and_unread) {
  auto alice = connect_as("alice");
  auto r = list(*alice, {"mine", "", "oldest"});
  ASSERT_TRUE(r.ok()) << r.str("message");
  auto items = r.list("items");
  ASSERT_EQ(items.size(), 2u);
  const auto& s1 = items[0];
  EXPECT_EQ(s1.str("id"), "s1");
  EXPECT_EQ(s1.str("kind"), "support");
  EXPECT_EQ(s1.str("org"), "acme");
  EXPECT_EQ(s1.str("status"), "open");
  EXPECT_EQ(s1.str("assignee"), "alice");
  EXPECT_EQ(s1.str("team"), "billing");
  EXPECT_EQ(s1.sint("last_contact_ts"), 900);
  EXPECT_TRUE(s1.boolean("unreplied"));
  EXPECT_EQ(s1.uint("last_seq"), 3u);
  EXPECT_EQ(s1.uint("unread"), 3u);
  auto contact = s1.sub("contact");
  EXPECT_EQ(contact.str("id"), "k1");
  EXPECT_EQ(contact.str("name"), "Name of k1");
  EXPECT_EQ(contact.str("email"), "k1@example.test");
  EXPECT_FALSE(contact.boolean("blocked"));
  EXPECT_EQ(items[1].uint("unread"), 0u);
  auto blocked = list(*alice, {"blocked"});
  ASSERT_TRUE(blocked.ok());
  ASSERT_EQ(blocked.list("items").size(), 1u);
  EXPECT_TRUE(blocked.list("items")[0].sub("contact").boolean("blocked"));
  EXPECT_EQ(blocked.list("items")[0].sub("contact").str("id"), "k4");
}

TEST_F(inbox, pages_follow_the_cursor_to_the_end) {
  auto alice = connect_as("alice");
  for (const char* sort : {"newest", "oldest", "longest", "shortest"}) {
    auto whole = page(*alice, {"all", "", sort});
    for (std::int64_t limit : {1, 2, 3}) {
      std::vector<std::string> walked;
      args a{"all", "", sort};
      a.limit = limit;
      for (int pages = 0; pages < 10; ++pages) {
        auto r = list(*alice, a);
        ASSERT_TRUE(r.ok()) << r.str("message");
        auto got = ids(r);
        walked.insert(walked.end(), got.begin(), got.end());
        if (!r.has("cursor")) break;
        // A page with a cursor is always full.
        EXPECT_EQ(got.size(), static_cast<std::size_t>(limit));
        a.cursor = r.str("cursor");
      }
      EXPECT_EQ(walked, whole) << sort << " limit " << limit;
    }
  }
  // A cursor belongs to its sort.
  auto first = list(*alice, {"all", "", "newest", "", std::nullopt, 1});
  ASSERT_TRUE(first.has("cursor"));
  auto other = list(*alice, {"all", "", "oldest", first.str("cursor")});
  EXPECT_EQ(other.code(), "bad_request");
}

TEST_F(inbox, only_staff_other_than_guests_may_list) {
  for (const char* who : {"aguest", "acli", "k1"}) {
    auto c = connect_as(who);
    EXPECT_EQ(list(*c, {"all"}).code(), "forbidden") << who;
    // Refused, not disconnected.
    EXPECT_TRUE(c->request("conv.list").ok()) << who;
  }
  // Refused before its arguments are looked at.
  auto guest = connect_as("aguest");
  EXPECT_EQ(list(*guest, {"bogus", "", "random"}).code(), "forbidden");
  // A service token acts as no user.
  auto service = connect_as("provisioner", true);
  EXPECT_EQ(list(*service, {"all"}).code(), "forbidden");
  auto carol = connect_as("carol");
  EXPECT_TRUE(list(*carol, {"all"}).ok());
}

TEST_F(inbox, bad_arguments_are_bad_requests_on_a_living_connection) {
  auto alice = connect_as("alice");
  auto bad = [&](protocol::map_builder& f, const char* what) {
    auto r = alice->request("inbox.list", f);
    EXPECT_EQ(r.code(), "bad_request") << what;
    EXPECT_FALSE(r.str("message").empty()) << what;
  };
  {
    protocol::map_builder f;
    bad(f, "no view");
  }
  for (const char* v : {"bogus", "ALL", "team:", "team:nope", "team:gteam", ""}) {
    protocol::map_builder f;
    f.str("view", v);
    bad(f, v);
  }
  {
    protocol::map_builder f;
    f.str("view", "team:nope");
    EXPECT_EQ(alice->request("inbox.list", f).str("message"), "unknown team");
  }
  {
    protocol::map_builder f;
    f.sint("view", 1);
    bad(f, "view not a string");
  }
  {
    protocol::map_builder f;
    f.str("view", "all").str("status", "pending");
    bad(f, "status");
  }
  {
    protocol::map_builder f;
    f.str("view", "all").str("sort", "random");
    bad(f, "sort");
  }
  {
    protocol::map_builder f;
    f.str("view", "all").str("unreplied", "yes");
    bad(f, "unreplied not a bool");
  }
  for (std::int64_t limit : {0, -1, 201}) {
    protocol::map_builder f;
    f.str("view", "all").sint("limit", limit);
    bad(f, "limit");
  }
  {
    protocol::map_builder f;
    f.str("view", "all").str("limit", "10");
    bad(f, "limit not an integer");
  }
  for (const char* c : {"garbage", "n:x:s1", "n:-:s1", "o:1:", "l:1:s1"}) {
    protocol::map_builder f;
    f.str("view", "all").str("cursor", c);
    bad(f, c);
  }
  // Still serving.
  EXPECT_EQ(page(*alice, {"mine"}), (list_t{"s5", "s1"}));
}

TEST_F(inbox, another_orgs_conversations_never_appear) {
  auto alice = connect_as("alice");
  for (const char* view : {"all", "mine", "unassigned", "team:billing", "blocked"})
    for (const char* sort : {"newest", "oldest", "longest", "shortest"}) {
      auto r = list(*alice, {view, "", sort});
      ASSERT_TRUE(r.ok()) << r.str("message");
      for (const auto& id : ids(r))
        EXPECT_NE(id, "g1") << view << " " << sort;
    }
  auto bob = connect_as("bob");
  EXPECT_EQ(page(*bob, {"all"}), (list_t{"g1"}));
  EXPECT_EQ(page(*bob, {"team:gteam"}), (list_t{"g1"}));
  EXPECT_EQ(page(*bob, {"mine"}), (list_t{}));
  auto r = list(*bob, {"team:billing"});
  EXPECT_EQ(r.code(), "bad_request");
  EXPECT_EQ(r.str("message"), "unknown team");
}

} // namespace
} // namespace parley::test

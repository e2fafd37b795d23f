// Custom inboxes and inbox.counts over real WebSockets against a real PostgreSQL
// (docs/protocol.md §9, "Custom inboxes"): create, replace, list and remove; a view
// shared with a team is visible to its members only and read-only for them; a
// foreign or unknown id is not_found; only staff other than guests; inbox.list of a
// custom view applies the saved filters and pages with its sort; counts per view,
// unread following read markers and new messages; views survive a restart.
//
// The support conversations are written into the server's database before any
// actor reads them (as in inbox_test.cpp), with ids shaped like real ones so that
// `read` and `msg.send` reach them.
#include <gtest/gtest.h>

#include <csignal>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "actors/rules/ids.hpp"
#include "tests/integration/harness.hpp"

namespace parley::test {
namespace {

using list_t = std::vector<std::string>;

class inbox_views : public ::testing::Test, public chat_fixture {
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
    for (const char* s : {"alice", "carol", "dave"})
      put_user(s, "acme", "staff", "member");
    put_user("aguest", "acme", "staff", "guest");
    put_user("acli", "acme", "client", "", "co");
    put_user("bot", "acme", "ai");
    put_user("bob", "globex", "staff", "member");
    for (const char* k : {"k1", "k2", "k3", "k4", "k5", "k6", "k7"})
      put_user(k, "acme", "contact");
    put_user("gk1", "globex", "contact");
    team("billing", "acme", {"alice", "carol"});
    team("sales", "acme", {"dave"});
    team("gteam", "globex", {"bob"});

    // contact, status, assignee, team, last_ts, last_contact_ts, unreplied
    support("k1", "open", "'alice'", "'billing'", 1000, "900", true);
    support("k2", "closed", "NULL", "NULL", 2000, "1500", false);
    support("k3", "snoozed", "'carol'", "'billing'", 3000, "2500", true);
    support("k4", "open", "NULL", "NULL", 4000, "3900", true); // blocked below
    support("k5", "open", "'alice'", "NULL", 1500, "1400", true);
    support("k6", "open", "NULL", "'billing'", 1200, "NULL", false);
    support("k7", "open", "'carol'", "'billing'", 1100, "NULL", false);
    support("gk1", "open", "'alice'", "'gteam'", 9000, "8000", true, "globex");
    db->query("INSERT INTO contact_blocks (contact, org, blocked_by, blocked_at)"
              " VALUES ('k4', 'acme', 'alice', 1) RETURNING contact");
    // k1 wrote three messages; only alice wrote in k6, only carol in k7.
    messages("k1", {"k1", "k1", "k1"});
    messages("k6", {"alice"});
    messages("k7", {"carol"});
  }

  static std::string conv(const std::string& contact, const std::string& org = "acme") {
    return support_conversation_id(org, contact);
  }

  void put_user(const std::string& id, const std::string& org, const std::string& kind,
                const std::string& role = "", const std::string& company = "") {
    protocol::map_builder u;
    u.str("user", id).str("org", org).str("kind", kind);
    if (!role.empty()) u.str("role", role);
    if (!company.empty()) u.str("company", company);
    u.str("name", "Name of " + id);
    admin("admin.user.put", u);
  }

  void team(const std::string& id, const std::string& org, const list_t& members) {
    protocol::map_builder t;
    t.str("team", id).str("org", org).str("name", id).str_list("members", members);
    admin("admin.team.put", t);
  }

  void support(const std::string& contact, const std::string& status,
               const std::string& assignee, const std::string& team, std::int64_t last_ts,
               const std::string& last_contact_ts, bool unreplied,
               const std::string& org = "acme") {
    db->query("INSERT INTO conversations (id, kind, org, created_by, created_at, last_ts,"
              " contact, status, assignee, team, snoozed_until, last_contact_ts,"
              " unreplied) VALUES ('" +
              conv(contact, org) + "', 'support', '" + org + "', '" + contact + "', 1, " +
              std::to_string(last_ts) + ", '" + contact + "', '" + status + "', " +
              assignee + ", " + team + ", " +
              (status == "snoozed" ? "99999999999999" : "NULL") + ", " + last_contact_ts +
              ", " + (unreplied ? "true" : "false") + ") RETURNING id");
  }

  void messages(const std::string& contact, const list_t& authors) {
    for (std::size_t i = 0; i < authors.size(); ++i)
      db->query("INSERT INTO messages (conv, seq, ts, author, cid, body) VALUES ('" +
                conv(contact) + "', " + std::to_string(i + 1) + ", 900, '" + authors[i] +
                "', 'c" + std::to_string(i + 1) + "', 'hello') RETURNING conv");
    db->query("UPDATE conversations SET last_seq = " + std::to_string(authors.size()) +
              " WHERE id = '" + conv(contact) + "' RETURNING id");
  }

  struct view_args {
    view_args(std::string n = "My view", std::string b = "all", std::string i = "",
              std::string st = "", std::string so = "", std::string t = "",
              std::optional<bool> u = std::nullopt)
        : name(std::move(n)), base(std::move(b)), id(std::move(i)), status(std::move(st)),
          sort(std::move(so)), team(std::move(t)), unreplied(u) {}
    std::string name, base, id, status, sort, team;
    std::optional<bool> unreplied;
  };

  static frame_view put(ws_client& c, const view_args& v) {
    protocol::map_builder m;
    if (!v.id.empty()) m.str("id", v.id);
    m.str("name", v.name).str("base", v.base);
    if (!v.status.empty()) m.str("status", v.status);
    if (!v.sort.empty()) m.str("sort", v.sort);
    if (!v.team.empty()) m.str("team", v.team);
    if (v.unreplied) m.boolean("unreplied", *v.unreplied);
    protocol::map_builder f;
    f.map("view", m);
    return c.request("inbox.views.put", f);
  }

  /// Creates a view and returns its id (the test stops if it cannot).
  static std::string create(ws_client& c, const view_args& v) {
    auto r = put(c, v);
    EXPECT_TRUE(r.ok()) << r.str("message");
    return r.ok() ? r.sub("view").str("id") : std::string{};
  }

  static list_t view_ids(ws_client& c) {
    auto r = c.request("inbox.views.list");
    EXPECT_TRUE(r.ok()) << r.str("message");
    list_t out;
    for (const auto& v : r.list("views"))
      out.push_back(v.str("id"));
    return out;
  }

  static frame_view remove(ws_client& c, const std::string& id) {
    protocol::map_builder f;
    f.str("id", id);
    return c.request("inbox.views.remove", f);
  }

  static frame_view list(ws_client& c, const std::string& view, std::int64_t limit = 0,
                         const std::string& cursor = "") {
    protocol::map_builder f;
    f.str("view", view);
    if (limit) f.sint("limit", limit);
    if (!cursor.empty()) f.str("cursor", cursor);
    return c.request("inbox.list", f);
  }

  /// The conversation ids (as contacts) of one page.
  static list_t contacts(const frame_view& r) {
    list_t out;
    for (const auto& it : r.list("items"))
      out.push_back(it.sub("contact").str("id"));
    return out;
  }

  using counts_t =
      std::vector<std::pair<std::string, std::pair<std::uint64_t, std::uint64_t>>>;
  static counts_t counts(ws_client& c) {
    auto r = c.request("inbox.counts");
    EXPECT_TRUE(r.ok()) << r.str("message");
    counts_t out;
    for (const auto& x : r.list("counts"))
      out.push_back({x.str("view"), {x.uint("open"), x.uint("unread")}});
    return out;
  }

  static frame_view send(ws_client& c, const std::string& conv, const std::string& cid,
                         bool internal) {
    protocol::map_builder f;
    f.str("conv", conv).str("cid", cid).str("body", "note");
    if (internal) f.boolean("internal", true);
    return c.request("msg.send", f);
  }

  static std::string custom(const std::string& id) { return "custom:" + id; }
};

TEST_F(inbox_views, create_replace_list_and_remove) {
  auto alice = connect_as("alice");
  EXPECT_EQ(view_ids(*alice), list_t{});
  auto r = put(*alice, {"Waiting on me", "mine", "", "open", "longest", "", true});
  ASSERT_TRUE(r.ok()) << r.str("message");
  auto v = r.sub("view");
  auto id = v.str("id");
  EXPECT_EQ(id.size(), 27u);
  EXPECT_EQ(id[0], 'v');
  EXPECT_EQ(v.str("name"), "Waiting on me");
  EXPECT_EQ(v.str("base"), "mine");
  EXPECT_EQ(v.str("status"), "open");
  EXPECT_TRUE(v.boolean("unreplied"));
  EXPECT_EQ(v.str("sort"), "longest");
  EXPECT_TRUE(v.has("team") == false || v.find("team")->is_nil());
  EXPECT_EQ(v.str("owner"), "alice");

  // Defaults: status all, sort newest, no unreplied filter, not shared.
  auto second = put(*alice, {"Everything"});
  ASSERT_TRUE(second.ok());
  auto d = second.sub("view");
  EXPECT_EQ(d.str("status"), "all");
  EXPECT_EQ(d.str("sort"), "newest");
  EXPECT_TRUE(d.find("unreplied") == nullptr || d.find("unreplied")->is_nil());
  EXPECT_EQ(view_ids(*alice), (list_t{id, d.str("id")}));

  // Replacing keeps the id and the place, and replaces every field.
  auto re = put(*alice, {"Billing, answered", "team:billing", id, "", "", "", false});
  ASSERT_TRUE(re.ok()) << re.str("message");
  auto rv = re.sub("view");
  EXPECT_EQ(rv.str("id"), id);
  EXPECT_EQ(rv.str("name"), "Billing, answered");
  EXPECT_EQ(rv.str("base"), "team:billing");
  EXPECT_EQ(rv.str("status"), "all");
  EXPECT_FALSE(rv.boolean("unreplied"));
  EXPECT_EQ(rv.str("sort"), "newest");
  auto listed = alice->request("inbox.views.list").list("views");
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].str("id"), id);
  EXPECT_EQ(listed[0].str("name"), "Billing, answered");

  EXPECT_TRUE(remove(*alice, id).ok());
  EXPECT_EQ(view_ids(*alice), (list_t{d.str("id")}));
  EXPECT_EQ(remove(*alice, id).code(), "not_found");
  EXPECT_EQ(put(*alice, {"Back", "all", id}).code(), "not_found");
  EXPECT_EQ(list(*alice, custom(id)).code(), "not_found");
}

TEST_F(inbox_views, a_shared_view_is_visible_to_its_team_only_and_read_only) {
  auto alice = connect_as("alice");
  auto carol = connect_as("carol");
  auto dave = connect_as("dave");
  auto id = create(*alice, {"Billing queue", "team:billing", "", "open", "", "billing"});
  auto mine = create(*alice, {"Private"});
  EXPECT_EQ(view_ids(*alice), (list_t{id, mine}));
  // carol is in billing: she sees it (after her own views), marked as alice's.
  auto own = create(*carol, {"Carol's"});
  EXPECT_EQ(view_ids(*carol), (list_t{own, id}));
  auto shared = carol->request("inbox.views.list").list("views")[1];
  EXPECT_EQ(shared.str("owner"), "alice");
  EXPECT_EQ(shared.str("team"), "billing");
  auto page = list(*carol, custom(id));
  ASSERT_TRUE(page.ok()) << page.str("message");
  EXPECT_EQ(contacts(page), (list_t{"k6", "k7", "k1"}));
  // ...but may not change or remove it.
  EXPECT_EQ(put(*carol, {"Mine now", "all", id}).code(), "forbidden");
  EXPECT_EQ(remove(*carol, id).code(), "forbidden");
  // dave is not in billing: to him it does not exist.
  EXPECT_EQ(view_ids(*dave), list_t{});
  EXPECT_EQ(list(*dave, custom(id)).code(), "not_found");
  EXPECT_EQ(put(*dave, {"x", "all", id}).code(), "not_found");
  EXPECT_EQ(remove(*dave, id).code(), "not_found");
  // alice's private view is nobody else's.
  EXPECT_EQ(list(*carol, custom(mine)).code(), "not_found");
  EXPECT_EQ(remove(*carol, mine).code(), "not_found");

  // The owner moves the share to sales (she need not be a member of it).
  ASSERT_TRUE(
      put(*alice, {"Billing queue", "team:billing", id, "open", "", "sales"}).ok());
  EXPECT_EQ(view_ids(*carol), (list_t{own}));
  EXPECT_EQ(view_ids(*dave), (list_t{id}));
  EXPECT_EQ(list(*carol, custom(id)).code(), "not_found");
  EXPECT_TRUE(list(*dave, custom(id)).ok());

  // Membership is read at each request: carol joins sales and sees it at once.
  team("sales", "acme", {"dave", "carol"});
  EXPECT_EQ(view_ids(*carol), (list_t{own, id}));
  // An owner who is no longer an agent shares nothing.
  put_user("alice", "acme", "staff", "guest");
  EXPECT_EQ(view_ids(*carol), (list_t{own}));
  EXPECT_EQ(list(*dave, custom(id)).code(), "not_found");
  EXPECT_EQ(alice->request("inbox.views.list").code(), "forbidden");
  put_user("alice", "acme", "staff", "member");
  EXPECT_EQ(view_ids(*dave), (list_t{id}));
  // Removing it removes it for everyone.
  ASSERT_TRUE(remove(*alice, id).ok());
  EXPECT_EQ(view_ids(*dave), list_t{});
}

TEST_F(inbox_views, foreign_and_unknown_ids_are_not_found) {
  auto alice = connect_as("alice");
  auto bob = connect_as("bob");
  auto id = create(*alice, {"Shared with billing", "all", "", "", "", "billing"});
  // Another org's staff: not found, never forbidden.
  EXPECT_EQ(list(*bob, custom(id)).code(), "not_found");
  EXPECT_EQ(put(*bob, {"x", "all", id}).code(), "not_found");
  EXPECT_EQ(remove(*bob, id).code(), "not_found");
  EXPECT_EQ(view_ids(*bob), list_t{});
  // Well-formed ids that name nothing, and strings that cannot be ids.
  auto unknown = "v" + std::string(26, 'q');
  for (const auto& bad :
       {unknown, std::string{"nope"}, std::string{""}, "c" + std::string(26, 'q')}) {
    EXPECT_EQ(list(*alice, custom(bad)).code(), "not_found") << bad;
    if (!bad.empty()) {
      EXPECT_EQ(put(*alice, {"x", "all", bad}).code(), "not_found") << bad;
      EXPECT_EQ(remove(*alice, bad).code(), "not_found") << bad;
    }
  }
}

TEST_F(inbox_views, only_staff_other_than_guests) {
  auto alice = connect_as("alice");
  auto id = create(*alice, {"Everything"});
  for (const char* who : {"aguest", "acli", "k1", "bot"}) {
    auto c = connect_as(who);
    EXPECT_EQ(put(*c, {"x"}).code(), "forbidden") << who;
    EXPECT_EQ(c->request("inbox.views.list").code(), "forbidden") << who;
    EXPECT_EQ(remove(*c, id).code(), "forbidden") << who;
    EXPECT_EQ(c->request("inbox.counts").code(), "forbidden") << who;
    EXPECT_EQ(list(*c, custom(id)).code(), "forbidden") << who;
    // Refused, not disconnected.
    EXPECT_TRUE(c->request("conv.list").ok()) << who;
  }
  auto service = connect_as("provisioner", true);
  EXPECT_EQ(service->request("inbox.counts").code(), "forbidden");
  EXPECT_EQ(put(*service, {"x"}).code(), "forbidden");
}

TEST_F(inbox_views, bad_views_are_bad_requests_on_a_living_connection) {
  auto alice = connect_as("alice");
  auto bad = [&](const view_args& v, const char* what, const char* message = nullptr) {
    auto r = put(*alice, v);
    EXPECT_EQ(r.code(), "bad_request") << what;
    EXPECT_FALSE(r.str("message").empty()) << what;
    if (message) {
      EXPECT_EQ(r.str("message"), message) << what;
    }
  };
  bad({""}, "empty name");
  bad({"   "}, "blank name", "'view.name' must not be blank");
  bad({std::string(201, 'n')}, "long name", "'view.name' must be 1..200 bytes of UTF-8");
  bad({"x", "blocked"}, "blocked base");
  bad({"x", "team:nope"}, "unknown base team", "unknown team in 'view.base'");
  bad({"x", "team:gteam"}, "another org's team", "unknown team in 'view.base'");
  bad({"x", "all", "", "", "", "gteam"}, "share with another org's team",
      "unknown team in 'view.team'");
  bad({"x", "all", "", "pending"}, "status");
  bad({"x", "all", "", "", "random"}, "sort");
  {
    auto r = alice->request("inbox.views.put");
    EXPECT_EQ(r.code(), "bad_request");
    EXPECT_EQ(r.str("message"), "missing 'view'");
  }
  {
    protocol::map_builder f;
    f.str("view", "all");
    EXPECT_EQ(alice->request("inbox.views.put", f).code(), "bad_request");
  }
  {
    protocol::map_builder m;
    m.str("name", "x").str("base", "all").str("unreplied", "yes");
    protocol::map_builder f;
    f.map("view", m);
    EXPECT_EQ(alice->request("inbox.views.put", f).code(), "bad_request");
  }
  EXPECT_EQ(alice->request("inbox.views.remove").code(), "bad_request");
  // A custom view brings its own filters.
  auto id = create(*alice, {"Everything"});
  {
    protocol::map_builder f;
    f.str("view", custom(id)).str("status", "open");
    EXPECT_EQ(alice->request("inbox.list", f).code(), "bad_request");
  }
  EXPECT_EQ(view_ids(*alice), (list_t{id}));
}

TEST_F(inbox_views, an_owner_keeps_at_most_100_views) {
  auto alice = connect_as("alice");
  std::string first;
  for (int i = 0; i < 100; ++i) {
    auto id = create(*alice, {"v" + std::to_string(i)});
    if (i == 0) first = id;
  }
  auto r = put(*alice, {"one too many"});
  EXPECT_EQ(r.code(), "conflict");
  // Replacing still works at the limit; removing one makes room.
  EXPECT_TRUE(put(*alice, {"renamed", "all", first}).ok());
  ASSERT_TRUE(remove(*alice, first).ok());
  EXPECT_TRUE(put(*alice, {"fits again"}).ok());
  EXPECT_EQ(view_ids(*alice).size(), 100u);
  // The limit is per owner.
  auto carol = connect_as("carol");
  EXPECT_TRUE(put(*carol, {"carol's first"}).ok());
}

TEST_F(inbox_views, a_custom_list_applies_the_saved_filters_and_pages) {
  auto alice = connect_as("alice");
  // Open billing conversations, oldest activity first.
  auto id = create(*alice, {"Billing open", "team:billing", "", "open", "oldest"});
  auto whole = list(*alice, custom(id));
  ASSERT_TRUE(whole.ok()) << whole.str("message");
  EXPECT_EQ(contacts(whole), (list_t{"k1", "k7", "k6"}));
  EXPECT_FALSE(whole.has("cursor"));
  // The same as inbox.list with those filters given by hand.
  {
    protocol::map_builder f;
    f.str("view", "team:billing").str("status", "open").str("sort", "oldest");
    EXPECT_EQ(contacts(alice->request("inbox.list", f)), contacts(whole));
  }
  // Pages of one, following the cursor.
  list_t walked;
  std::string cursor;
  for (int i = 0; i < 5; ++i) {
    auto r = list(*alice, custom(id), 1, cursor);
    ASSERT_TRUE(r.ok()) << r.str("message");
    auto got = contacts(r);
    walked.insert(walked.end(), got.begin(), got.end());
    if (!r.has("cursor")) break;
    cursor = r.str("cursor");
  }
  EXPECT_EQ(walked, contacts(whole));
  // A cursor of another sort, a bad limit: bad_request.
  auto other = list(*alice, "all", 1);
  ASSERT_TRUE(other.has("cursor"));
  EXPECT_EQ(list(*alice, custom(id), 1, other.str("cursor")).code(), "bad_request");
  EXPECT_EQ(list(*alice, custom(id), 201).code(), "bad_request");
  // mine + unreplied: alice's waiting ones; longest wait first.
  auto waiting = create(*alice, {"Waiting", "mine", "", "", "longest", "", true});
  EXPECT_EQ(contacts(list(*alice, custom(waiting))), (list_t{"k1", "k5"}));
  // A shared view's `mine` is the reader's.
  auto shared = create(*alice, {"My waiting", "mine", "", "", "", "billing", true});
  auto carol = connect_as("carol");
  EXPECT_EQ(contacts(list(*carol, custom(shared))), (list_t{"k3"}));
}

TEST_F(inbox_views, counts_per_view_follow_read_markers_and_messages) {
  auto alice = connect_as("alice");
  auto waiting = create(*alice, {"Waiting on me", "mine", "", "", "", "", true});
  auto closed = create(*alice, {"Closed", "all", "", "closed"});
  auto carol = connect_as("carol");
  auto shared =
      create(*carol, {"Billing answered", "team:billing", "", "", "", "billing", false});
  // Open and not blocked: k1 (alice, billing; k1 wrote, alice never read), k5
  // (alice; no messages), k6 (billing; only alice wrote), k7 (carol, billing;
  // carol wrote). k2 closed, k3 snoozed, k4 blocked; globex's never.
  counts_t expected{{"all", {4, 2}},           {"mine", {2, 1}},
                    {"unassigned", {1, 0}},    {"team:billing", {3, 2}},
                    {custom(waiting), {2, 1}}, {custom(closed), {0, 0}},
                    {custom(shared), {2, 1}}};
  EXPECT_EQ(counts(*alice), expected);

  // alice reads k1 to its end: nothing of it is unread any more.
  protocol::map_builder rd;
  rd.str("conv", conv("k1")).uint("seq", 3);
  ASSERT_TRUE(alice->request("read", rd).ok());
  expected = {{"all", {4, 1}},           {"mine", {2, 0}},
              {"unassigned", {1, 0}},    {"team:billing", {3, 1}},
              {custom(waiting), {2, 0}}, {custom(closed), {0, 0}},
              {custom(shared), {2, 1}}};
  EXPECT_EQ(counts(*alice), expected);
  // Her own comment after the marker is nothing to read...
  ASSERT_TRUE(send(*alice, conv("k1"), "a1", true).ok());
  EXPECT_EQ(counts(*alice), expected);
  // ...carol's is.
  ASSERT_TRUE(send(*carol, conv("k1"), "c1", true).ok());
  expected[0].second.second = 2;
  expected[1].second.second = 1;
  expected[3].second.second = 2;
  expected[4].second.second = 1;
  EXPECT_EQ(counts(*alice), expected);

  // carol's side: her teams, her assignment (k7: only her own message).
  counts_t carols{{"all", {4, 2}},
                  {"mine", {1, 0}},
                  {"unassigned", {1, 1}},
                  {"team:billing", {3, 2}},
                  {custom(shared), {2, 1}}};
  EXPECT_EQ(counts(*carol), carols);
  // dave (sales): no team of his has any; he sees no view.
  auto dave = connect_as("dave");
  EXPECT_EQ(counts(*dave), (counts_t{{"all", {4, 3}},
                                     {"mine", {0, 0}},
                                     {"unassigned", {1, 1}},
                                     {"team:sales", {0, 0}}}));
}

TEST_F(inbox_views, views_survive_a_restart) {
  auto alice = connect_as("alice");
  auto a = create(*alice, {"First", "mine", "", "open", "longest", "", true});
  auto b = create(*alice, {"Second", "team:billing", "", "", "", "billing"});
  auto before = alice->request("inbox.views.list").list("views");
  auto counted = counts(*alice);
  alice.reset();
  restart(SIGTERM);
  alice = connect_as("alice");
  auto after = alice->request("inbox.views.list").list("views");
  ASSERT_EQ(after.size(), 2u);
  for (std::size_t i = 0; i < after.size(); ++i)
    for (const char* k : {"id", "name", "base", "status", "sort", "owner"})
      EXPECT_EQ(after[i].str(k), before[i].str(k)) << k;
  EXPECT_TRUE(after[0].boolean("unreplied"));
  EXPECT_EQ(after[1].str("team"), "billing");
  EXPECT_EQ(counts(*alice), counted);
  EXPECT_EQ(contacts(list(*alice, custom(a))), (list_t{"k1", "k5"}));
  auto carol = connect_as("carol");
  EXPECT_EQ(view_ids(*carol), (list_t{b}));
}

} // namespace
} // namespace parley::test

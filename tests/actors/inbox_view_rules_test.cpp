// Custom inboxes and inbox.counts (docs/protocol.md §9, "Custom inboxes") as
// tables: which saved views parse and which are refused with which code; who may
// read or change a view; the order of views; a saved view resolved into the very
// inbox.list query (so its filters are inbox.list's); and the counts folded from
// grouped rows, checked against inbox_rules::matches item by item.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "actors/rules/inbox_view_rules.hpp"

namespace parley::inbox_view_rules {
namespace {

using inbox_rules::sort_order;
using inbox_rules::status_filter;
using inbox_rules::view_kind;
using protocol::error_code;

const std::string an_id = "v" + std::string(26, 'a');

raw_view named(std::string base) {
  raw_view r;
  r.name = "My open";
  r.base = std::move(base);
  return r;
}

// ---------------------------------------------------------------------------
// parse_view
// ---------------------------------------------------------------------------

TEST(inbox_view_rules, parse_defaults) {
  auto p = parse_view(named("all"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.view.id, "");
  EXPECT_EQ(p.view.name, "My open");
  EXPECT_EQ(p.view.base, "all");
  EXPECT_EQ(p.view.status, status_filter::all);
  EXPECT_EQ(p.view.unreplied, std::nullopt);
  EXPECT_EQ(p.view.sort, sort_order::newest);
  EXPECT_EQ(p.view.team, std::nullopt);
  EXPECT_EQ(p.base_team, std::nullopt);
}

TEST(inbox_view_rules, parse_accepts) {
  struct row {
    const char* what;
    std::function<void(raw_view&)> change;
    std::function<void(const parsed_view&)> check;
  };
  const std::vector<row> rows{
      {"mine", [](raw_view& r) { r.base = "mine"; },
       [](const parsed_view& p) { EXPECT_EQ(p.view.base, "mine"); }},
      {"unassigned", [](raw_view& r) { r.base = "unassigned"; },
       [](const parsed_view& p) { EXPECT_EQ(p.view.base, "unassigned"); }},
      {"team base", [](raw_view& r) { r.base = "team:billing"; },
       [](const parsed_view& p) {
         EXPECT_EQ(p.view.base, "team:billing");
         EXPECT_EQ(p.base_team, "billing");
       }},
      {"an id replaces", [](raw_view& r) { r.id = an_id; },
       [](const parsed_view& p) { EXPECT_EQ(p.view.id, an_id); }},
      {"status", [](raw_view& r) { r.status = "snoozed"; },
       [](const parsed_view& p) { EXPECT_EQ(p.view.status, status_filter::snoozed); }},
      {"unreplied false", [](raw_view& r) { r.unreplied = false; },
       [](const parsed_view& p) { EXPECT_EQ(p.view.unreplied, false); }},
      {"sort", [](raw_view& r) { r.sort = "longest"; },
       [](const parsed_view& p) { EXPECT_EQ(p.view.sort, sort_order::longest); }},
      {"shared", [](raw_view& r) { r.team = "billing"; },
       [](const parsed_view& p) { EXPECT_EQ(p.view.team, "billing"); }},
      {"name of 200 bytes", [](raw_view& r) { r.name = std::string(200, 'n'); },
       [](const parsed_view& p) { EXPECT_EQ(p.view.name.size(), 200u); }},
      {"name with spaces around", [](raw_view& r) { r.name = "  Refunds "; },
       [](const parsed_view& p) { EXPECT_EQ(p.view.name, "  Refunds "); }},
      {"UTF-8 name",
       [](raw_view& r) {
         r.name = "R\xC3\xBC"
                  "ckerstattung";
       },
       [](const parsed_view& p) {
         EXPECT_EQ(p.view.name, "R\xC3\xBC"
                                "ckerstattung");
       }},
  };
  for (const auto& r : rows) {
    auto raw = named("all");
    r.change(raw);
    auto p = parse_view(raw);
    ASSERT_TRUE(p.ok()) << r.what << ": " << p.error->message;
    r.check(p);
  }
}

TEST(inbox_view_rules, parse_refuses) {
  struct row {
    const char* what;
    std::function<void(raw_view&)> change;
    error_code code;
    const char* message;
  };
  const std::vector<row> rows{
      {"no name", [](raw_view& r) { r.name.reset(); }, error_code::bad_request,
       "missing 'view.name'"},
      {"empty name", [](raw_view& r) { r.name = ""; }, error_code::bad_request,
       "'view.name' must be 1..200 bytes of UTF-8"},
      {"name of 201 bytes", [](raw_view& r) { r.name = std::string(201, 'n'); },
       error_code::bad_request, "'view.name' must be 1..200 bytes of UTF-8"},
      {"blank name", [](raw_view& r) { r.name = " \t\n"; }, error_code::bad_request,
       "'view.name' must not be blank"},
      {"NUL in name", [](raw_view& r) { r.name = std::string("a\0b", 3); },
       error_code::bad_request, "'view.name' must be 1..200 bytes of UTF-8"},
      {"no base", [](raw_view& r) { r.base.reset(); }, error_code::bad_request,
       "missing 'view.base'"},
      {"blocked base", [](raw_view& r) { r.base = "blocked"; }, error_code::bad_request,
       "'view.base' must be all, mine, unassigned or team:<id>"},
      {"custom base", [](raw_view& r) { r.base = "custom:" + an_id; },
       error_code::bad_request, "'view.base' must be all, mine, unassigned or team:<id>"},
      {"unknown base", [](raw_view& r) { r.base = "ALL"; }, error_code::bad_request,
       "'view.base' must be all, mine, unassigned or team:<id>"},
      {"empty team base", [](raw_view& r) { r.base = "team:"; }, error_code::bad_request,
       "'view.base' must be all, mine, unassigned or team:<id>"},
      {"status", [](raw_view& r) { r.status = "pending"; }, error_code::bad_request,
       "view.status must be all, open, closed or snoozed"},
      {"sort", [](raw_view& r) { r.sort = "random"; }, error_code::bad_request,
       "view.sort must be newest, oldest, longest or shortest"},
      {"empty team", [](raw_view& r) { r.team = ""; }, error_code::bad_request,
       "'view.team' must be a team id of 1..128 bytes"},
      {"long team", [](raw_view& r) { r.team = std::string(129, 't'); },
       error_code::bad_request, "'view.team' must be a team id of 1..128 bytes"},
      // An id that cannot be a view id names no view: as unknown as any other.
      {"malformed id", [](raw_view& r) { r.id = "nope"; }, error_code::not_found,
       "no such view"},
      {"id of another kind", [](raw_view& r) { r.id = "c" + std::string(26, 'a'); },
       error_code::not_found, "no such view"},
  };
  for (const auto& r : rows) {
    auto raw = named("all");
    r.change(raw);
    auto p = parse_view(raw);
    ASSERT_FALSE(p.ok()) << r.what;
    EXPECT_EQ(p.error->code, r.code) << r.what;
    EXPECT_EQ(p.error->message, r.message) << r.what;
  }
}

TEST(inbox_view_rules, custom_ids) {
  EXPECT_EQ(custom_id("custom:" + an_id), an_id);
  EXPECT_EQ(custom_id("custom:"), "");
  EXPECT_EQ(custom_id("all"), std::nullopt);
  EXPECT_EQ(custom_id("Custom:x"), std::nullopt);
  EXPECT_EQ(custom_name(an_id), "custom:" + an_id);
  EXPECT_TRUE(is_view_id(an_id));
  EXPECT_FALSE(is_view_id("v" + std::string(25, 'a')));
  EXPECT_FALSE(is_view_id("V" + std::string(26, 'a')));
  EXPECT_FALSE(is_view_id("v" + std::string(26, '1'))); // base32 has no 1
}

// ---------------------------------------------------------------------------
// access_of
// ---------------------------------------------------------------------------

protocol::user_info staff(std::string id, std::string org = "acme") {
  protocol::user_info u;
  u.id = std::move(id);
  u.org = std::move(org);
  u.kind = protocol::user_kind::staff;
  return u;
}

saved_view view_of(std::string owner, std::optional<std::string> team,
                   std::string org = "acme") {
  saved_view v;
  v.id = an_id;
  v.org = std::move(org);
  v.owner = std::move(owner);
  v.name = "v";
  v.base = "all";
  v.team = std::move(team);
  return v;
}

TEST(inbox_view_rules, who_sees_and_changes_a_view) {
  struct row {
    const char* what;
    saved_view v;
    protocol::user_info caller;
    std::vector<std::string> teams;
    bool owner_active;
    access expected;
  };
  const std::vector<row> rows{
      {"the owner",
       view_of("alice", std::nullopt),
       staff("alice"),
       {},
       true,
       access::own},
      {"the owner of a shared view",
       view_of("alice", "billing"),
       staff("alice"),
       {},
       true,
       access::own},
      {"a member of the team",
       view_of("alice", "billing"),
       staff("carol"),
       {"billing", "sales"},
       true,
       access::read},
      {"a non-member",
       view_of("alice", "billing"),
       staff("carol"),
       {"sales"},
       true,
       access::none},
      {"a private view",
       view_of("alice", std::nullopt),
       staff("carol"),
       {"billing"},
       true,
       access::none},
      {"owner no longer an agent",
       view_of("alice", "billing"),
       staff("carol"),
       {"billing"},
       false,
       access::none},
      {"another org's view",
       view_of("alice", "billing", "globex"),
       staff("carol"),
       {"billing"},
       true,
       access::none},
      {"its owner, moved to another org",
       view_of("alice", std::nullopt, "globex"),
       staff("alice"),
       {},
       true,
       access::none},
  };
  for (const auto& r : rows)
    EXPECT_EQ(access_of(r.v, r.caller, r.teams, r.owner_active), r.expected) << r.what;
}

TEST(inbox_view_rules, own_views_first_then_shared_oldest_first) {
  auto v = [](std::string id, std::string owner, std::int64_t at) {
    auto s = view_of(std::move(owner), std::nullopt);
    s.id = std::move(id);
    s.created_at = at;
    return s;
  };
  std::vector<saved_view> views{v("v3", "carol", 1), v("v2", "alice", 5),
                                v("v1", "alice", 5), v("v4", "alice", 2),
                                v("v0", "bob", 9)};
  order_views(views, "alice");
  std::vector<std::string> ids;
  for (const auto& x : views)
    ids.push_back(x.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"v4", "v1", "v2", "v3", "v0"}));
}

// ---------------------------------------------------------------------------
// resolve: a saved view is an inbox.list query
// ---------------------------------------------------------------------------

TEST(inbox_view_rules, a_saved_view_resolves_into_the_inbox_list_query) {
  auto v = view_of("alice", "sales");
  v.base = "team:billing";
  v.status = status_filter::open;
  v.unreplied = true;
  v.sort = sort_order::longest;
  auto p = resolve(v, 10, std::nullopt);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.q.view, view_kind::team);
  EXPECT_EQ(p.q.team, "billing"); // the base's team; `team` only shares the view
  EXPECT_EQ(p.q.status, status_filter::open);
  EXPECT_EQ(p.q.unreplied, true);
  EXPECT_EQ(p.q.sort, sort_order::longest);
  EXPECT_EQ(p.q.limit, 10u);

  auto plain = resolve(view_of("alice", std::nullopt), std::nullopt, std::nullopt);
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain.q.view, view_kind::all);
  EXPECT_EQ(plain.q.unreplied, std::nullopt);
  EXPECT_EQ(plain.q.limit, inbox_rules::default_limit);
}

TEST(inbox_view_rules, limit_and_cursor_are_checked_against_the_saved_sort) {
  auto v = view_of("alice", std::nullopt);
  v.sort = sort_order::oldest;
  EXPECT_TRUE(resolve(v, std::nullopt, std::string{"o:5:s1"}).ok());
  auto wrong_sort = resolve(v, std::nullopt, std::string{"n:5:s1"});
  ASSERT_FALSE(wrong_sort.ok());
  EXPECT_EQ(wrong_sort.error->code, error_code::bad_request);
  for (std::int64_t limit : {0, -1, 201})
    EXPECT_FALSE(resolve(v, limit, std::nullopt).ok()) << limit;
}

// ---------------------------------------------------------------------------
// Counts
// ---------------------------------------------------------------------------

TEST(inbox_view_rules, counted_views_in_reply_order) {
  auto a = view_of("alice", std::nullopt);
  a.id = "va";
  auto b = view_of("carol", "billing");
  b.id = "vb";
  auto t = count_targets({"sales", "billing", "sales"}, {a, b});
  std::vector<std::string> names;
  for (const auto& x : t)
    names.push_back(x.view);
  EXPECT_EQ(names, (std::vector<std::string>{"all", "mine", "unassigned", "team:billing",
                                             "team:sales", "custom:va", "custom:vb"}));
}

TEST(inbox_view_rules, counts_fold_the_groups_by_each_views_filters) {
  // Rows as the database groups them for viewer alice ("" = someone else).
  const std::vector<count_group> groups{
      {"alice", "billing", true, true, 3},
      {"alice", std::nullopt, false, false, 5},
      {"", "billing", true, false, 7},
      {"", std::nullopt, true, true, 11},
      {std::nullopt, "billing", false, true, 13},
      {std::nullopt, std::nullopt, true, false, 17},
  };
  auto mine_unreplied = view_of("alice", std::nullopt);
  mine_unreplied.id = "v1";
  mine_unreplied.base = "mine";
  mine_unreplied.unreplied = true;
  auto billing_answered = view_of("alice", std::nullopt);
  billing_answered.id = "v2";
  billing_answered.base = "team:billing";
  billing_answered.unreplied = false;
  auto closed = view_of("alice", std::nullopt);
  closed.id = "v3";
  closed.status = status_filter::closed;
  auto open = view_of("alice", std::nullopt);
  open.id = "v4";
  open.status = status_filter::open;
  auto got = fold_counts(
      count_targets({"billing"}, {mine_unreplied, billing_answered, closed, open}),
      groups, "alice");
  const std::vector<view_count> expected{
      {"all", 56, 27},          {"mine", 8, 3},      {"unassigned", 30, 13},
      {"team:billing", 23, 16}, {"custom:v1", 3, 3}, {"custom:v2", 13, 13},
      {"custom:v3", 0, 0}, // counts are of open conversations
      {"custom:v4", 56, 27},
  };
  EXPECT_EQ(got, expected);
}

TEST(inbox_view_rules, counts_agree_with_the_inbox_filter_item_by_item) {
  // Every combination of what the views filter on, one conversation each: a
  // view's count is exactly the number of items inbox_rules::matches keeps.
  std::vector<count_group> groups;
  std::vector<inbox_rules::item> items;
  int n = 0;
  for (std::optional<std::string> who :
       {std::optional<std::string>{}, std::optional<std::string>{"alice"},
        std::optional<std::string>{"bob"}})
    for (std::optional<std::string> team :
         {std::optional<std::string>{}, std::optional<std::string>{"billing"},
          std::optional<std::string>{"sales"}})
      for (bool unreplied : {false, true})
        for (bool unread : {false, true}) {
          count_group g;
          g.assignee = who && *who != "alice" ? std::optional<std::string>{""} : who;
          g.team = team;
          g.unreplied = unreplied;
          g.unread = unread;
          g.n = 1;
          groups.push_back(g);
          inbox_rules::item it;
          it.id = "c" + std::to_string(n++);
          it.status = support_rules::status::open;
          it.assignee = who;
          it.team = team;
          it.unreplied = unreplied;
          items.push_back(it);
        }
  std::vector<saved_view> custom;
  for (const char* base : {"all", "mine", "unassigned", "team:billing", "team:sales"})
    for (std::optional<bool> u :
         {std::optional<bool>{}, std::optional<bool>{true}, std::optional<bool>{false}}) {
      auto v = view_of("alice", std::nullopt);
      v.id = std::string{"v"} + base + (u ? (*u ? "t" : "f") : "-");
      v.base = base;
      v.unreplied = u;
      custom.push_back(v);
    }
  auto targets = count_targets({"billing", "sales"}, custom);
  auto got = fold_counts(targets, groups, "alice");
  ASSERT_EQ(got.size(), targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    std::uint64_t open = 0, unread = 0;
    for (std::size_t j = 0; j < items.size(); ++j)
      if (inbox_rules::matches(targets[i].q, items[j], "alice")) {
        ++open;
        unread += groups[j].unread ? 1 : 0;
      }
    EXPECT_EQ(got[i].open, open) << got[i].view;
    EXPECT_EQ(got[i].unread, unread) << got[i].view;
  }
}

} // namespace
} // namespace parley::inbox_view_rules

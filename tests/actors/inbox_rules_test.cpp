// inbox.list (docs/protocol.md §9) as tables: which requests parse into which
// query and which are refused; which conversations each view and filter shows; the
// four sort orders with their tie-breaks; cursors that walk a whole inbox without
// skipping or repeating. These rules are the oracle of the SQL implementation's
// tests. Expectations follow docs/protocol.md ("§9 inbox.list (served)").
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "actors/rules/inbox_rules.hpp"

namespace parley::inbox_rules {
namespace {

using protocol::error_code;
using support_rules::status;

// ---------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------

raw_args view(std::string v) {
  raw_args a;
  a.view = std::move(v);
  return a;
}

TEST(inbox_rules, parse_defaults) {
  auto p = parse(view("all"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.q.view, view_kind::all);
  EXPECT_EQ(p.q.status, status_filter::all);
  EXPECT_EQ(p.q.unreplied, std::nullopt);
  EXPECT_EQ(p.q.sort, sort_order::newest);
  EXPECT_EQ(p.q.limit, 50u);
  EXPECT_EQ(p.q.after, std::nullopt);
}

TEST(inbox_rules, parse_accepts) {
  struct row {
    const char* what;
    raw_args args;
    std::function<void(const query&)> check;
  };
  auto with = [](raw_args a, auto f) {
    f(a);
    return a;
  };
  const std::vector<row> rows{
      {"mine", view("mine"), [](const query& q) { EXPECT_EQ(q.view, view_kind::mine); }},
      {"unassigned", view("unassigned"),
       [](const query& q) { EXPECT_EQ(q.view, view_kind::unassigned); }},
      {"blocked", view("blocked"),
       [](const query& q) { EXPECT_EQ(q.view, view_kind::blocked); }},
      {"team", view("team:billing"),
       [](const query& q) {
         EXPECT_EQ(q.view, view_kind::team);
         EXPECT_EQ(q.team, "billing");
       }},
      {"team id with a colon", view("team:a:b"),
       [](const query& q) { EXPECT_EQ(q.team, "a:b"); }},
      {"team id of 128 bytes", view("team:" + std::string(128, 't')),
       [](const query& q) { EXPECT_EQ(q.team.size(), 128u); }},
      {"status open", with(view("all"), [](raw_args& a) { a.status = "open"; }),
       [](const query& q) { EXPECT_EQ(q.status, status_filter::open); }},
      {"status closed", with(view("all"), [](raw_args& a) { a.status = "closed"; }),
       [](const query& q) { EXPECT_EQ(q.status, status_filter::closed); }},
      {"status snoozed", with(view("all"), [](raw_args& a) { a.status = "snoozed"; }),
       [](const query& q) { EXPECT_EQ(q.status, status_filter::snoozed); }},
      {"status all", with(view("all"), [](raw_args& a) { a.status = "all"; }),
       [](const query& q) { EXPECT_EQ(q.status, status_filter::all); }},
      {"unreplied true", with(view("all"), [](raw_args& a) { a.unreplied = true; }),
       [](const query& q) { EXPECT_EQ(q.unreplied, true); }},
      {"unreplied false", with(view("all"), [](raw_args& a) { a.unreplied = false; }),
       [](const query& q) { EXPECT_EQ(q.unreplied, false); }},
      {"sort oldest", with(view("all"), [](raw_args& a) { a.sort = "oldest"; }),
       [](const query& q) { EXPECT_EQ(q.sort, sort_order::oldest); }},
      {"sort longest", with(view("all"), [](raw_args& a) { a.sort = "longest"; }),
       [](const query& q) { EXPECT_EQ(q.sort, sort_order::longest); }},
      {"sort shortest", with(view("all"), [](raw_args& a) { a.sort = "shortest"; }),
       [](const query& q) { EXPECT_EQ(q.sort, sort_order::shortest); }},
      {"limit 1", with(view("all"), [](raw_args& a) { a.limit = 1; }),
       [](const query& q) { EXPECT_EQ(q.limit, 1u); }},
      {"limit 200", with(view("all"), [](raw_args& a) { a.limit = 200; }),
       [](const query& q) { EXPECT_EQ(q.limit, 200u); }},
      {"newest cursor", with(view("all"), [](raw_args& a) { a.cursor = "n:17:cabc"; }),
       [](const query& q) {
         EXPECT_EQ(q.after, (position{17, "cabc"}));
       }},
      {"oldest cursor",
       with(view("all"),
            [](raw_args& a) {
              a.sort = "oldest";
              a.cursor = "o:-3:c:x";
            }),
       [](const query& q) {
         EXPECT_EQ(q.after, (position{-3, "c:x"}));
       }},
      {"longest cursor, waiting",
       with(view("all"),
            [](raw_args& a) {
              a.sort = "longest";
              a.cursor = "l:5:c1";
            }),
       [](const query& q) {
         EXPECT_EQ(q.after, (position{5, "c1"}));
       }},
      {"shortest cursor, not waiting",
       with(view("all"),
            [](raw_args& a) {
              a.sort = "shortest";
              a.cursor = "s:-:c1";
            }),
       [](const query& q) {
         EXPECT_EQ(q.after, (position{std::nullopt, "c1"}));
       }},
  };
  for (const auto& r : rows) {
    auto p = parse(r.args);
    ASSERT_TRUE(p.ok()) << "case: " << r.what << ": " << p.error->message;
    r.check(p.q);
  }
}

TEST(inbox_rules, parse_refuses_with_bad_request) {
  struct row {
    const char* what;
    raw_args args;
    std::string message;
  };
  auto with = [](raw_args a, auto f) {
    f(a);
    return a;
  };
  const std::string bad_cursor = "cursor is not one this server returned for this sort";
  const std::vector<row> rows{
      {"no view", raw_args{}, "view is required"},
      {"unknown view", view("everything"),
       "view must be all, mine, unassigned, team:<id> or blocked"},
      {"view case matters", view("All"),
       "view must be all, mine, unassigned, team:<id> or blocked"},
      {"empty view", view(""),
       "view must be all, mine, unassigned, team:<id> or blocked"},
      {"team without id", view("team:"),
       "view team:<id> needs a team id of 1..128 bytes"},
      {"team id too long", view("team:" + std::string(129, 't')),
       "view team:<id> needs a team id of 1..128 bytes"},
      {"bare team", view("team"),
       "view must be all, mine, unassigned, team:<id> or blocked"},
      {"unknown status", with(view("all"), [](raw_args& a) { a.status = "pending"; }),
       "status must be all, open, closed or snoozed"},
      {"unknown sort", with(view("all"), [](raw_args& a) { a.sort = "random"; }),
       "sort must be newest, oldest, longest or shortest"},
      {"limit 0", with(view("all"), [](raw_args& a) { a.limit = 0; }),
       "limit must be 1..200"},
      {"limit 201", with(view("all"), [](raw_args& a) { a.limit = 201; }),
       "limit must be 1..200"},
      {"negative limit", with(view("all"), [](raw_args& a) { a.limit = -1; }),
       "limit must be 1..200"},
      {"garbage cursor", with(view("all"), [](raw_args& a) { a.cursor = "xyz"; }),
       bad_cursor},
      {"empty cursor", with(view("all"), [](raw_args& a) { a.cursor = ""; }), bad_cursor},
      {"cursor of another sort",
       with(view("all"), [](raw_args& a) { a.cursor = "o:17:c1"; }), bad_cursor},
      {"cursor without id", with(view("all"), [](raw_args& a) { a.cursor = "n:17:"; }),
       bad_cursor},
      {"cursor without key", with(view("all"), [](raw_args& a) { a.cursor = "n::c1"; }),
       bad_cursor},
      {"cursor key not a number",
       with(view("all"), [](raw_args& a) { a.cursor = "n:1x:c1"; }), bad_cursor},
      {"cursor key with plus",
       with(view("all"), [](raw_args& a) { a.cursor = "n:+1:c1"; }), bad_cursor},
      {"cursor key overflows",
       with(view("all"), [](raw_args& a) { a.cursor = "n:99999999999999999999:c1"; }),
       bad_cursor},
      {"no-key cursor for newest",
       with(view("all"), [](raw_args& a) { a.cursor = "n:-:c1"; }), bad_cursor},
      {"cursor id not UTF-8",
       with(view("all"), [](raw_args& a) { a.cursor = "n:1:\xFF"; }), bad_cursor},
      {"cursor id too long",
       with(view("all"), [](raw_args& a) { a.cursor = "n:1:" + std::string(129, 'c'); }),
       bad_cursor},
  };
  for (const auto& r : rows) {
    auto p = parse(r.args);
    ASSERT_FALSE(p.ok()) << "case: " << r.what;
    EXPECT_EQ(p.error->code, error_code::bad_request) << "case: " << r.what;
    EXPECT_EQ(p.error->message, r.message) << "case: " << r.what;
  }
}

TEST(inbox_rules, who_may_list) {
  protocol::user_info u;
  u.kind = protocol::user_kind::staff;
  EXPECT_TRUE(may_list(u)) << "case: staff without a role";
  u.role = protocol::staff_role::member;
  EXPECT_TRUE(may_list(u)) << "case: member";
  u.role = protocol::staff_role::guest;
  EXPECT_FALSE(may_list(u)) << "case: guest";
  for (auto k : {protocol::user_kind::client, protocol::user_kind::contact,
                 protocol::user_kind::ai, protocol::user_kind::bot}) {
    u.kind = k;
    u.role.reset();
    EXPECT_FALSE(may_list(u)) << "case: " << protocol::to_string(k);
  }
}

// ---------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------

item make(std::string id, status st, std::optional<std::string> assignee,
          std::optional<std::string> team, bool unreplied, bool blocked = false) {
  item it;
  it.id = std::move(id);
  it.status = st;
  it.assignee = std::move(assignee);
  it.team = std::move(team);
  it.unreplied = unreplied;
  it.last_contact_ts = 100;
  it.last_activity_ts = 200;
  it.contact_blocked = blocked;
  return it;
}

query q_of(std::string v, std::optional<std::string> st = {},
           std::optional<bool> unreplied = {}) {
  raw_args a = view(std::move(v));
  a.status = std::move(st);
  a.unreplied = unreplied;
  auto p = parse(a);
  EXPECT_TRUE(p.ok());
  return p.q;
}

TEST(inbox_rules, views_and_filters) {
  // The inbox, seen by "ann".
  const std::vector<item> inbox{
      make("c-ann-open", status::open, "ann", std::nullopt, true),
      make("c-ann-billing-closed", status::closed, "ann", "billing", false),
      make("c-bob-billing", status::open, "bob", "billing", false),
      make("c-billing-only", status::snoozed, std::nullopt, "billing", true),
      make("c-nobody", status::open, std::nullopt, std::nullopt, false),
      make("c-ai", status::open, "robo", "support", true),
      make("c-blocked-ann", status::open, "ann", "billing", true, true),
      make("c-blocked-nobody", status::closed, std::nullopt, std::nullopt, false, true),
  };
  struct row {
    const char* what;
    query q;
    std::set<std::string> expected;
  };
  const std::vector<row> rows{
      {"all leaves out blocked contacts",
       q_of("all"),
       {"c-ann-open", "c-ann-billing-closed", "c-bob-billing", "c-billing-only",
        "c-nobody", "c-ai"}},
      {"mine", q_of("mine"), {"c-ann-open", "c-ann-billing-closed"}},
      {"unassigned: no person, team or not",
       q_of("unassigned"),
       {"c-billing-only", "c-nobody"}},
      {"team: whoever is assigned",
       q_of("team:billing"),
       {"c-ann-billing-closed", "c-bob-billing", "c-billing-only"}},
      {"unknown team: empty", q_of("team:nope"), {}},
      {"blocked: only blocked contacts",
       q_of("blocked"),
       {"c-blocked-ann", "c-blocked-nobody"}},
      {"all open",
       q_of("all", "open"),
       {"c-ann-open", "c-bob-billing", "c-nobody", "c-ai"}},
      {"all closed", q_of("all", "closed"), {"c-ann-billing-closed"}},
      {"all snoozed", q_of("all", "snoozed"), {"c-billing-only"}},
      {"all unreplied", q_of("all", {}, true), {"c-ann-open", "c-billing-only", "c-ai"}},
      {"all replied",
       q_of("all", {}, false),
       {"c-ann-billing-closed", "c-bob-billing", "c-nobody"}},
      {"mine open unreplied", q_of("mine", "open", true), {"c-ann-open"}},
      {"team closed", q_of("team:billing", "closed"), {"c-ann-billing-closed"}},
      {"blocked open", q_of("blocked", "open"), {"c-blocked-ann"}},
      {"blocked unreplied", q_of("blocked", {}, true), {"c-blocked-ann"}},
      {"unassigned snoozed unreplied",
       q_of("unassigned", "snoozed", true),
       {"c-billing-only"}},
  };
  for (const auto& r : rows) {
    std::set<std::string> got;
    for (const auto& it : inbox)
      if (matches(r.q, it, "ann")) got.insert(it.id);
    EXPECT_EQ(got, r.expected) << "case: " << r.what;
  }
}

// ---------------------------------------------------------------------------
// Sorts and cursors
// ---------------------------------------------------------------------------

item timed(std::string id, std::int64_t activity, bool unreplied,
           std::optional<std::int64_t> last_contact) {
  item it = make(std::move(id), status::open, std::nullopt, std::nullopt, unreplied);
  it.last_activity_ts = activity;
  it.last_contact_ts = last_contact;
  return it;
}

const std::vector<item>& sample() {
  // Activity ties (c2/c3 at 30) and waiting ties (c4/c5 since 10) break by id;
  // c6 and c7 are answered, c8 unreplied without a contact time (not waiting).
  static const std::vector<item> items{
      timed("c3", 30, true, 20),  timed("c1", 50, true, 5),  timed("c2", 30, false, 1),
      timed("c5", 40, true, 10),  timed("c4", 10, true, 10), timed("c7", 60, false, 2),
      timed("c6", 20, false, {}), timed("c8", 25, true, {}),
  };
  return items;
}

std::vector<std::string> ids_sorted(sort_order s) {
  auto items = sample();
  std::sort(items.begin(), items.end(),
            [&](const item& a, const item& b) { return precedes(s, a, b); });
  std::vector<std::string> ids;
  for (const auto& it : items)
    ids.push_back(it.id);
  return ids;
}

TEST(inbox_rules, sort_orders) {
  using ids = std::vector<std::string>;
  EXPECT_EQ(ids_sorted(sort_order::newest),
            (ids{"c7", "c1", "c5", "c2", "c3", "c8", "c6", "c4"}))
      << "case: newest activity first, ties by id";
  EXPECT_EQ(ids_sorted(sort_order::oldest),
            (ids{"c4", "c6", "c8", "c2", "c3", "c5", "c1", "c7"}))
      << "case: oldest activity first, ties by id";
  EXPECT_EQ(ids_sorted(sort_order::longest),
            (ids{"c1", "c4", "c5", "c3", "c2", "c6", "c7", "c8"}))
      << "case: longest waiting first, then the not waiting by id";
  EXPECT_EQ(ids_sorted(sort_order::shortest),
            (ids{"c3", "c4", "c5", "c1", "c2", "c6", "c7", "c8"}))
      << "case: shortest waiting first, then the not waiting by id";
}

TEST(inbox_rules, compare_is_a_total_order_on_distinct_ids) {
  for (auto s : {sort_order::newest, sort_order::oldest, sort_order::longest,
                 sort_order::shortest})
    for (const auto& a : sample())
      for (const auto& b : sample()) {
        auto pa = position_of(s, a), pb = position_of(s, b);
        int ab = compare(s, pa, pb), ba = compare(s, pb, pa);
        EXPECT_EQ(ab == 0, a.id == b.id) << to_string(s) << " " << a.id << " " << b.id;
        EXPECT_EQ(ab<0, ba> 0) << to_string(s) << " " << a.id << " " << b.id;
      }
}

TEST(inbox_rules, cursors_walk_every_item_once_in_order) {
  for (auto s : {sort_order::newest, sort_order::oldest, sort_order::longest,
                 sort_order::shortest})
    for (std::int64_t limit : {1, 2, 3, 7, 8, 9, 200}) {
      raw_args a = view("all");
      a.sort = std::string(to_string(s));
      a.limit = limit;
      std::vector<std::string> walked;
      int pages = 0;
      for (;;) {
        auto p = parse(a);
        ASSERT_TRUE(p.ok()) << p.error->message;
        auto r = page(p.q, sample(), "ann");
        ++pages;
        EXPECT_LE(r.items.size(), static_cast<std::size_t>(limit));
        for (const auto& it : r.items)
          walked.push_back(it.id);
        if (!r.cursor) break;
        EXPECT_EQ(r.items.size(), static_cast<std::size_t>(limit))
            << "case: a page with a cursor is full";
        a.cursor = r.cursor;
        ASSERT_LT(pages, 20);
      }
      EXPECT_EQ(walked, ids_sorted(s)) << "case: " << to_string(s) << " limit " << limit;
      auto expected_pages = std::max<std::size_t>(1, (8 + limit - 1) / limit);
      EXPECT_EQ(static_cast<std::size_t>(pages), expected_pages)
          << "case: no empty last page, " << to_string(s) << " limit " << limit;
    }
}

TEST(inbox_rules, page_filters_before_limiting) {
  raw_args a = view("all");
  a.unreplied = false;
  a.limit = 2;
  auto p = parse(a);
  ASSERT_TRUE(p.ok());
  auto r = page(p.q, sample(), "ann");
  ASSERT_EQ(r.items.size(), 2u);
  EXPECT_EQ(r.items[0].id, "c7");
  EXPECT_EQ(r.items[1].id, "c2");
  ASSERT_TRUE(r.cursor);
  EXPECT_EQ(*r.cursor, "n:30:c2");
  a.cursor = r.cursor;
  auto second = page(parse(a).q, sample(), "ann");
  ASSERT_EQ(second.items.size(), 1u);
  EXPECT_EQ(second.items[0].id, "c6");
  EXPECT_EQ(second.cursor, std::nullopt);
}

TEST(inbox_rules, cursor_encoding) {
  EXPECT_EQ(encode_cursor(sort_order::newest, timed("c1", 50, true, 5)), "n:50:c1");
  EXPECT_EQ(encode_cursor(sort_order::oldest, timed("c1", 50, true, 5)), "o:50:c1");
  EXPECT_EQ(encode_cursor(sort_order::longest, timed("c1", 50, true, 5)), "l:5:c1");
  EXPECT_EQ(encode_cursor(sort_order::shortest, timed("c1", 50, false, 5)), "s:-:c1");
  EXPECT_EQ(encode_cursor(sort_order::longest, timed("c8", 25, true, {})), "l:-:c8");
}

TEST(inbox_rules, an_item_arriving_while_paging_never_shows_on_later_pages) {
  // The cursor is a position, not an offset: items before it are left out even if
  // new items arrived in front.
  raw_args a = view("all");
  a.limit = 3;
  auto first = page(parse(a).q, sample(), "ann");
  ASSERT_TRUE(first.cursor);
  auto grown = sample();
  grown.push_back(timed("c9", 999, true, 998)); // newest of all: lands on page one
  a.cursor = first.cursor;
  auto second = page(parse(a).q, grown, "ann");
  for (const auto& it : second.items) {
    EXPECT_NE(it.id, "c9");
    for (const auto& seen : first.items)
      EXPECT_NE(it.id, seen.id);
  }
}

} // namespace
} // namespace parley::inbox_rules

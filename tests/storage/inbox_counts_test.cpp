// inbox.counts' SQL (storage::count_open_groups, storage/inbox_view_queries.cpp)
// folded by the pure rules (inbox_view_rules::fold_counts) against a brute-force
// oracle: random support conversations (statuses, assignees, teams, blocked
// contacts, another org's rows), random messages by the contact, the viewer, a
// colleague and the scheduler (internal ones too), and random read markers of the
// viewer. For every built-in, team and saved view, `open` must be the number of the
// org's open, unblocked conversations inbox_rules::matches keeps, and `unread` the
// number of those with a message after the viewer's marker by someone else — what
// inbox.list reports as `unread > 0`.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "actors/rules/inbox_view_rules.hpp"
#include "storage/inbox_view_queries.hpp"
#include "storage/migrate.hpp"
#include "tests/integration/harness.hpp"

namespace parley {
namespace {

constexpr const char* viewer = "u1";

void exec(storage::pg::connection& db, const std::string& sql,
          const std::vector<storage::pg::param>& params = {}) {
  auto r = db.exec(sql, params);
  ASSERT_TRUE(r.ok()) << sql << ": " << r.error();
}

struct conv_truth {
  inbox_rules::item item; // as the inbox filters see it
  bool counted = false;   // acme, open, contact not blocked
  bool unread = false;    // a message after u1's marker by someone else
};

std::vector<conv_truth> fill(storage::pg::connection& db, std::uint32_t seed, int count) {
  std::mt19937 rng{seed};
  auto in = [&](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  auto chance = [&](int percent) { return in(0, 99) < percent; };
  std::vector<conv_truth> out;
  exec(db, "INSERT INTO orgs (id, name, updated_at)"
           " VALUES ('acme', 'Acme', 0), ('other', 'Other', 0)");
  for (int i = 0; i < count; ++i) {
    conv_truth t;
    auto& it = t.item;
    it.id = "c" + std::to_string(i);
    std::string contact = "k" + std::to_string(i);
    bool other_org = chance(15);
    static const char* statuses[] = {"open", "closed", "snoozed"};
    std::string status = statuses[in(0, 2)];
    static const std::vector<std::optional<std::string>> assignees{std::nullopt, "u1",
                                                                   "u2", "bot"};
    static const std::vector<std::optional<std::string>> teams{std::nullopt, "t1", "t2"};
    it.assignee = assignees[static_cast<std::size_t>(in(0, 3))];
    it.team = teams[static_cast<std::size_t>(in(0, 2))];
    it.unreplied = chance(50);
    it.status = *support_rules::parse_status(status);
    bool blocked = chance(10);
    // Messages: authors among the contact, the viewer, a colleague and the
    // scheduler's system messages (author ""); some internal.
    int n = in(0, 6);
    std::vector<std::string> authors;
    for (int s = 1; s <= n; ++s) {
      static const char* who[] = {"contact", "u1", "u2", ""};
      std::string a = who[in(0, 3)];
      if (a == "contact") a = contact;
      authors.push_back(a);
      exec(
          db,
          "INSERT INTO messages (conv, seq, ts, author, cid, body, internal)"
          " VALUES ($1, $2, 100, $3, $4, 'b', $5)",
          {it.id, std::to_string(s), a, "m" + std::to_string(s), chance(30) ? "t" : "f"});
    }
    // As the server keeps it: last_contact_ts is set once the contact has written.
    bool contact_wrote = false;
    for (const auto& a : authors)
      contact_wrote = contact_wrote || a == contact;
    if (contact_wrote) it.last_contact_ts = 50;
    std::optional<int> marker;
    if (chance(50)) marker = in(0, n);
    exec(db,
         "INSERT INTO conversations (id, kind, org, created_by, created_at, last_ts,"
         " last_seq, contact, status, assignee, team, last_contact_ts, unreplied)"
         " VALUES ($1, 'support', $2, $3, 1, 100, $4, $3, $5, $6, $7, $8, $9)",
         {it.id, other_org ? "other" : "acme", contact, std::to_string(n), status,
          it.assignee, it.team, contact_wrote ? storage::pg::param{"50"} : std::nullopt,
          it.unreplied ? "t" : "f"});
    if (marker)
      exec(db,
           "INSERT INTO read_markers (conv, user_id, seq, updated_at)"
           " VALUES ($1, 'u1', $2, 1)",
           {it.id, std::to_string(*marker)});
    // Another user's marker never counts for u1.
    if (chance(30))
      exec(db,
           "INSERT INTO read_markers (conv, user_id, seq, updated_at)"
           " VALUES ($1, 'u2', $2, 1)",
           {it.id, std::to_string(n)});
    if (blocked)
      exec(db,
           "INSERT INTO contact_blocks (contact, org, blocked_by, blocked_at)"
           " VALUES ($1, $2, 'u2', 1)",
           {contact, other_org ? "other" : "acme"});
    for (int s = marker.value_or(0) + 1; s <= n; ++s)
      t.unread = t.unread || authors[static_cast<std::size_t>(s - 1)] != viewer;
    t.counted = !other_org && !blocked && status == "open";
    out.push_back(std::move(t));
  }
  exec(db, "INSERT INTO conversations (id, kind, org, created_by, created_at, last_ts)"
           " VALUES ('ordinary', 'private', 'acme', 'u1', 1, 120)");
  return out;
}

class inbox_counts : public ::testing::TestWithParam<std::uint32_t> {};

TEST_P(inbox_counts, every_view_counts_like_the_oracle) {
  test::test_database tdb;
  storage::pg::connection db{tdb.conninfo()};
  ASSERT_TRUE(db.ok()) << db.error();
  auto m = storage::migrate(db);
  ASSERT_TRUE(m.ok) << m.error;
  auto truth = fill(db, GetParam(), 300);
  if (::testing::Test::HasFailure()) return;
  exec(db, "ANALYZE");

  std::vector<inbox_view_rules::saved_view> custom;
  int k = 0;
  for (const char* base : {"all", "mine", "unassigned", "team:t1", "team:t2"})
    for (std::optional<bool> u :
         {std::optional<bool>{}, std::optional<bool>{true}, std::optional<bool>{false}})
      for (auto status :
           {inbox_rules::status_filter::all, inbox_rules::status_filter::open,
            inbox_rules::status_filter::closed}) {
        inbox_view_rules::saved_view v;
        v.id = "v" + std::to_string(k++);
        v.base = base;
        v.unreplied = u;
        v.status = status;
        custom.push_back(v);
      }
  auto targets = inbox_view_rules::count_targets({"t1", "t2"}, custom);

  auto groups = storage::count_open_groups(db, "acme", viewer);
  ASSERT_TRUE(groups.ok()) << groups.error;
  std::vector<inbox_view_rules::count_group> rows;
  for (const auto& g : *groups.value)
    rows.push_back({g.assignee, g.team, g.unreplied, g.unread, g.n});
  // The viewer's own id or "" for anyone else: never another user's id.
  for (const auto& r : rows)
    EXPECT_TRUE(!r.assignee || *r.assignee == viewer || r.assignee->empty());
  auto got = inbox_view_rules::fold_counts(targets, rows, viewer);
  ASSERT_EQ(got.size(), targets.size());
  for (std::size_t i = 0; i < targets.size(); ++i) {
    std::uint64_t open = 0, unread = 0;
    for (const auto& t : truth)
      if (t.counted && inbox_rules::matches(targets[i].q, t.item, viewer)) {
        ++open;
        unread += t.unread ? 1 : 0;
      }
    EXPECT_EQ(got[i].open, open) << got[i].view;
    EXPECT_EQ(got[i].unread, unread) << got[i].view;
  }
}

INSTANTIATE_TEST_SUITE_P(seeds, inbox_counts, ::testing::Values(1u, 2u, 3u));

} // namespace
} // namespace parley

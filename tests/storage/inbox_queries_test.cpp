// inbox.list's SQL (storage/inbox_queries.cpp) against its oracle, the pure rules'
// `page` (actors/rules/inbox_rules.hpp): random support conversations (ties in every sort
// key, blocked contacts, ids that order differently as bytes and as words, another
// org's conversations with the same assignees and teams) in a real PostgreSQL, then
// every view x status x unreplied x sort paged through with small limits, and pages
// from arbitrary cursors. Each page must be exactly the oracle's: the same items in
// the same order, a cursor exactly when more follow.
#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/db/inbox_reads.hpp"
#include "storage/migrate.hpp"
#include "tests/integration/harness.hpp"

namespace parley {
namespace {

using inbox_rules::item;

constexpr const char* viewer = "u1";

struct dataset {
  std::vector<item> acme; // what the oracle sees: the caller's org only
};

std::optional<std::string> pick(std::mt19937& rng,
                                const std::vector<std::optional<std::string>>& from) {
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
}

/// Ids of 1..5 characters from an alphabet whose byte order differs from a
/// linguistic one (upper before lower case, digits and punctuation).
std::string random_id(std::mt19937& rng, std::set<std::string>& used) {
  static const std::string alphabet = "aAbBzZ09_-.";
  for (;;) {
    std::string id;
    auto n = std::uniform_int_distribution<int>(1, 5)(rng);
    for (int i = 0; i < n; ++i)
      id += alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() -
                                                                       1)(rng)];
    if (used.insert(id).second) return id;
  }
}

void exec(storage::pg::connection& db, const std::string& sql,
          const std::vector<storage::pg::param>& params = {}) {
  auto r = db.exec(sql, params);
  ASSERT_TRUE(r.ok()) << sql << ": " << r.error();
}

dataset fill(storage::pg::connection& db, std::uint32_t seed, int count) {
  std::mt19937 rng{seed};
  dataset out;
  exec(db, "INSERT INTO orgs (id, name, updated_at)"
           " VALUES ('acme', 'Acme', 0), ('other', 'Other', 0)");
  std::set<std::string> used;
  auto chance = [&](int percent) {
    return std::uniform_int_distribution<int>(0, 99)(rng) < percent;
  };
  auto in = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  for (int i = 0; i < count; ++i) {
    item it;
    it.id = random_id(rng, used);
    bool other_org = chance(15);
    static const char* statuses[] = {"open", "closed", "snoozed"};
    auto status = statuses[in(0, 2)];
    it.status = *support_rules::parse_status(status);
    it.assignee = pick(rng, {std::nullopt, "u1", "u2", "bot"});
    it.team = pick(rng, {std::nullopt, "t1", "t2"});
    it.unreplied = chance(50);
    if (chance(70)) it.last_contact_ts = in(50, 70);
    it.last_activity_ts = in(100, 130);
    it.contact_blocked = chance(15);
    std::string contact = "k" + std::to_string(i);
    auto num = [](std::optional<std::int64_t> v) -> storage::pg::param {
      return v ? storage::pg::param{std::to_string(*v)} : std::nullopt;
    };
    exec(db,
         "INSERT INTO conversations (id, kind, org, created_by, created_at, last_ts,"
         " contact, status, assignee, team, snoozed_until, last_contact_ts, unreplied)"
         " VALUES ($1, 'support', $2, $3, 1, $4, $3, $5, $6, $7, $8, $9, $10)",
         {it.id, other_org ? "other" : "acme", contact,
          std::to_string(it.last_activity_ts), status, it.assignee, it.team,
          it.status == support_rules::status::snoozed ? num(1000) : std::nullopt,
          num(it.last_contact_ts), it.unreplied ? "t" : "f"});
    if (it.contact_blocked)
      exec(db,
           "INSERT INTO contact_blocks (contact, org, blocked_by, blocked_at)"
           " VALUES ($1, $2, 'u2', 1)",
           {contact, other_org ? "other" : "acme"});
    if (!other_org) out.acme.push_back(std::move(it));
  }
  // Ordinary conversations of the org are never in the inbox.
  exec(db, "INSERT INTO conversations (id, kind, org, created_by, created_at, last_ts)"
           " VALUES ('ordinary', 'private', 'acme', 'u1', 1, 120)");
  return out;
}

std::vector<std::string> ids_of(const std::vector<item>& items) {
  std::vector<std::string> out;
  for (const auto& it : items)
    out.push_back(it.id);
  return out;
}

std::string describe(const inbox_rules::raw_args& a) {
  std::string d = "view=" + *a.view + " status=" + a.status.value_or("-") +
                  " unreplied=" + (a.unreplied ? (*a.unreplied ? "t" : "f") : "-") +
                  " sort=" + a.sort.value_or("-") + " limit=" + std::to_string(*a.limit);
  if (a.cursor) d += " cursor=" + *a.cursor;
  return d;
}

/// One page from SQL compared with the oracle's; returns the oracle's cursor.
std::optional<std::string> check_page(storage::pg::connection& db, const dataset& data,
                                      const inbox_rules::raw_args& args) {
  auto p = inbox_rules::parse(args);
  EXPECT_TRUE(p.ok()) << describe(args);
  if (!p.ok()) return std::nullopt;
  auto expected = inbox_rules::page(p.q, data.acme, viewer);
  auto got = storage::list_inbox(
      db, storage_query(make_inbox_request(p.q, "acme", viewer, false)));
  EXPECT_TRUE(got.ok()) << describe(args) << ": " << got.error;
  if (!got.ok()) return std::nullopt;
  bool blocked_view = p.q.view == inbox_rules::view_kind::blocked;
  std::vector<item> read;
  for (const auto& c : got.value->items)
    read.push_back(rule_item(c, blocked_view));
  EXPECT_EQ(ids_of(read), ids_of(expected.items)) << describe(args);
  EXPECT_EQ(got.value->more, expected.cursor.has_value()) << describe(args);
  if (ids_of(read) == ids_of(expected.items)) {
    for (std::size_t i = 0; i < read.size(); ++i) {
      const auto &a = read[i], &b = expected.items[i];
      EXPECT_TRUE(a.status == b.status && a.assignee == b.assignee && a.team == b.team &&
                  a.unreplied == b.unreplied && a.last_contact_ts == b.last_contact_ts &&
                  a.last_activity_ts == b.last_activity_ts &&
                  a.contact_blocked == b.contact_blocked)
          << describe(args) << " item " << a.id;
    }
    if (got.value->more && !read.empty()) {
      EXPECT_EQ(inbox_rules::encode_cursor(p.q.sort, read.back()), expected.cursor);
    }
  }
  return expected.cursor;
}

class inbox_queries : public ::testing::TestWithParam<std::uint32_t> {
protected:
  void SetUp() override {
    db_ = std::make_unique<test::test_database>();
    conn_ = std::make_unique<storage::pg::connection>(db_->conninfo());
    ASSERT_TRUE(conn_->ok()) << conn_->error();
    auto m = storage::migrate(*conn_);
    ASSERT_TRUE(m.ok) << m.error;
    data_ = fill(*conn_, GetParam(), 260);
    exec(*conn_, "ANALYZE conversations");
  }

  std::unique_ptr<test::test_database> db_;
  std::unique_ptr<storage::pg::connection> conn_;
  dataset data_;
};

const std::vector<std::string> views{"all",     "mine",    "unassigned",
                                     "team:t1", "team:t3", "blocked"};
const std::vector<std::string> sorts{"newest", "oldest", "longest", "shortest"};

TEST_P(inbox_queries, every_view_filter_and_sort_pages_like_the_oracle) {
  const std::vector<std::optional<std::string>> statuses{std::nullopt, "all", "open",
                                                         "closed", "snoozed"};
  const std::vector<std::optional<bool>> unreplied{std::nullopt, true, false};
  const std::vector<std::int64_t> limits{1, 2, 3, 7, 200};
  std::size_t combo = 0;
  for (const auto& v : views)
    for (const auto& s : statuses)
      for (const auto& u : unreplied)
        for (const auto& sort : sorts) {
          inbox_rules::raw_args a;
          a.view = v;
          a.status = s;
          a.unreplied = u;
          a.sort = sort;
          a.limit = limits[combo++ % limits.size()];
          std::size_t pages = 0;
          for (;;) {
            auto cursor = check_page(*conn_, data_, a);
            if (::testing::Test::HasFailure()) return;
            if (!cursor) break;
            a.cursor = *cursor;
            ASSERT_LT(++pages, 1000u) << describe(a);
          }
        }
}

TEST_P(inbox_queries, pages_from_arbitrary_cursors_are_the_oracles) {
  // Cursors at positions no item has (keys between and beyond the items', ids that
  // no conversation has) and at items' own positions.
  std::mt19937 rng{GetParam() + 1000};
  std::set<std::string> used;
  for (const auto& v : views)
    for (const auto& sort : sorts)
      for (int i = 0; i < 40; ++i) {
        inbox_rules::raw_args a;
        a.view = v;
        a.sort = sort;
        a.limit = 3;
        std::string key;
        bool waiting_sort = sort == "longest" || sort == "shortest";
        if (waiting_sort && i % 4 == 0)
          key = "-";
        else
          key = std::to_string(std::uniform_int_distribution<int>(
              waiting_sort ? 45 : 95, waiting_sort ? 75 : 135)(rng));
        std::string id =
            i % 2 ? random_id(rng, used)
                  : data_.acme[static_cast<std::size_t>(i) % data_.acme.size()].id;
        a.cursor = std::string{sort[0]} + ":" + key + ":" + id;
        check_page(*conn_, data_, a);
        if (::testing::Test::HasFailure()) return;
      }
}

INSTANTIATE_TEST_SUITE_P(seeds, inbox_queries, ::testing::Values(1u, 2u, 3u));

} // namespace
} // namespace parley

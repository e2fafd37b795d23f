// The message search index's text (migration 013, parley_search_text): for every
// body, its tsvector is exactly what to_tsvector makes of the whole body (which
// ignores the tokens of 2047 bytes or more), and computing it raises no NOTICE
// ("word is too long to be indexed"), which libpq would print on parleyd's stderr.
// And the expression the search statements write still matches the index.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <libpq-fe.h>

#include "storage/migrate.hpp"
#include "storage/pg.hpp"
#include "tests/integration/harness.hpp"

namespace parley {
namespace {

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

/// Every NOTICE the server sends on a connection.
void collect_notice(void* arg, const PGresult* res) {
  static_cast<std::vector<std::string>*>(arg)->push_back(
      PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
}

class search_index : public ::testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(db.ok()) << db.error();
    auto m = storage::migrate(db);
    ASSERT_TRUE(m.ok) << m.error;
    PQsetNoticeReceiver(db.raw(), collect_notice, &notices);
  }

  std::string one(const std::string& sql, const std::vector<storage::pg::param>& p) {
    auto r = db.exec(sql, p);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.error();
    return r.ok() && r.rows() > 0 ? r.str(0, 0) : std::string{};
  }

  test::test_database tdb;
  storage::pg::connection db{tdb.conninfo()};
  std::vector<std::string> notices;
};

TEST_F(search_index, indexes_what_to_tsvector_does_without_a_notice) {
  const std::string x3000 = repeat("x", 3000);
  struct body_case {
    const char* what;
    std::string body;
  };
  const std::vector<body_case> cases{
      {"no long token", "plain words, nothing long"},
      {"a 3000-character word", "before " + x3000 + " after"},
      {"2046 bytes: indexed", "a " + repeat("\xC3\xA9", 1023) + " b"},
      {"2048 bytes of 1024 characters", "a " + repeat("\xC3\xA9", 1024) + " b"},
      {"punctuation and spaces", "a " + repeat("! ", 1500) + " b"},
      {"a long URL keeps its host",
       "see http://example.com/" + repeat("p", 2100) + " ok foo-" + repeat("z", 2100)},
      {"cutting a word joins the punctuation around it",
       "a " + repeat("!", 1500) + repeat("y", 2100) + repeat("!", 1500) + " d"},
      {"only a long word", x3000},
      {"many long words", repeat(x3000 + " w ", 20)},
      {"phrases stay adjacent", "one two " + x3000 + " three four"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    notices.clear();
    auto ours =
        one("SELECT to_tsvector('simple'::regconfig, parley_search_text($1))", {c.body});
    EXPECT_TRUE(notices.empty()) << notices.front();
    // PostgreSQL's own answer, its NOTICE silenced for the comparison.
    ASSERT_TRUE(db.exec("SET client_min_messages = warning").ok());
    auto theirs = one("SELECT to_tsvector('simple'::regconfig, $1)", {c.body});
    ASSERT_TRUE(db.exec("RESET client_min_messages").ok());
    EXPECT_EQ(ours, theirs);
  }
  // The snippet's text, as the search statements write it, raises none either.
  notices.clear();
  auto snippet = one("SELECT ts_headline('simple'::regconfig,"
                     " parley_search_text(translate($1, E'\\x02\\x03', '')),"
                     " websearch_to_tsquery('simple'::regconfig, 'after'))",
                     {"before " + x3000 + " after"});
  EXPECT_TRUE(notices.empty()) << notices.front();
  EXPECT_NE(snippet.find("<b>after</b>"), std::string::npos) << snippet;
}

TEST_F(search_index, the_search_expression_is_an_index_lookup) {
  // Without a sequential scan to fall back on, the plan uses messages_search only if
  // the query's expression is the index's.
  ASSERT_TRUE(db.exec("SET enable_seqscan = off").ok());
  auto r = db.exec("EXPLAIN SELECT m.seq FROM messages m"
                   " WHERE m.system_event IS NULL AND m.body <> ''"
                   " AND to_tsvector('simple'::regconfig, parley_search_text(m.body))"
                   " @@ websearch_to_tsquery('simple'::regconfig, $1::text)",
                   {"after"});
  ASSERT_TRUE(r.ok()) << r.error();
  std::string plan;
  for (int i = 0; i < r.rows(); ++i)
    plan += r.str(i, 0) + "\n";
  EXPECT_NE(plan.find("Index Scan on messages_search"), std::string::npos) << plan;
}

} // namespace
} // namespace parley

// The array literals the group commit sends as parameters, read back by
// PostgreSQL: what goes in as a list comes out element for element, whatever
// the characters (quotes, backslashes, braces, commas, the word NULL).
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "storage/pg.hpp"
#include "tests/integration/harness.hpp"

namespace parley {
namespace {

using storage::pg::connection;

class array_literal : public ::testing::Test {
protected:
  test::test_database db_;
  connection conn_{db_.conninfo()};

  /// The elements of `literal` cast to `type`[], as PostgreSQL reads them (text;
  /// nullopt for NULL), in order.
  std::vector<std::optional<std::string>> read_back(const std::string& literal,
                                                    const std::string& type) {
    auto r = conn_.exec("SELECT x::text FROM unnest($1::" + type + "[]) WITH ORDINALITY "
                        "AS t(x, i) ORDER BY i",
                        {literal});
    EXPECT_TRUE(r.ok()) << r.error() << " for " << literal;
    std::vector<std::optional<std::string>> out;
    for (int i = 0; i < r.rows(); ++i)
      out.push_back(r.opt_str(i, 0));
    return out;
  }
};

TEST_F(array_literal, text_elements_arrive_unchanged) {
  const std::vector<std::vector<std::string>> rows = {
      {},
      {""},
      {"plain"},
      {"say \"hi\"", "back\\slash", "\\\"", "\"\"", "\\\\"},
      {"{braces}", "a,b", "NULL", "null", " spaced ", "\ttab\nline"},
      {"ünïcödé 👋", std::string(5000, 'x') + "\"" + std::string(5000, '\\')},
  };
  for (const auto& values : rows) {
    auto back = read_back(storage::pg::text_array(values), "text");
    ASSERT_EQ(back.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      EXPECT_EQ(back[i], values[i]) << "element " << i;
  }
}

TEST_F(array_literal, nullable_text_keeps_null_apart_from_the_word) {
  std::vector<storage::pg::param> values = {std::nullopt, std::string{"NULL"},
                                            std::string{""}, std::string{"a\"b"}};
  auto back = read_back(storage::pg::text_array_nullable(values), "text");
  ASSERT_EQ(back.size(), 4u);
  EXPECT_EQ(back[0], std::nullopt);
  EXPECT_EQ(back[1], "NULL");
  EXPECT_EQ(back[2], "");
  EXPECT_EQ(back[3], "a\"b");
}

TEST_F(array_literal, integers_and_booleans) {
  std::vector<std::int64_t> ints = {0, -1, 42, std::numeric_limits<std::int64_t>::max(),
                                    std::numeric_limits<std::int64_t>::min()};
  auto back = read_back(storage::pg::int_array(ints), "bigint");
  ASSERT_EQ(back.size(), ints.size());
  for (std::size_t i = 0; i < ints.size(); ++i)
    EXPECT_EQ(back[i], std::to_string(ints[i]));
  auto flags = read_back(storage::pg::bool_array({true, false, true}), "boolean");
  EXPECT_EQ(flags, (std::vector<std::optional<std::string>>{"true", "false", "true"}));
}

} // namespace
} // namespace parley

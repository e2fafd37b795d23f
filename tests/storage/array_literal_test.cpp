// The array parameters the group commit sends, read back by PostgreSQL: what goes
// in as a list comes out element for element, whatever the characters (quotes,
// backslashes, braces, commas, the word NULL), in the text syntax (array_literal)
// and in the binary format (binary_array, what the group commit uses).
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

/// Lists of text values that a quoting or length mistake would change.
const std::vector<std::vector<std::string>>& tricky_rows() {
  static const std::vector<std::vector<std::string>> rows = {
      {},
      {""},
      {"plain"},
      {"say \"hi\"", "back\\slash", "\\\"", "\"\"", "\\\\"},
      {"{braces}", "a,b", "NULL", "null", " spaced ", "\ttab\nline"},
      {"ünïcödé 👋", std::string(5000, 'x') + "\"" + std::string(5000, '\\')},
  };
  return rows;
}

class array_literal : public ::testing::Test {
protected:
  test::test_database db_;
  connection conn_{db_.conninfo()};

  /// The elements of `literal` cast to `type`[], as PostgreSQL reads them (text;
  /// nullopt for NULL), in order.
  std::vector<std::optional<std::string>> read_back(const std::string& literal,
                                                    const std::string& type) {
    auto r = conn_.exec("SELECT x::text FROM unnest($1::" + type +
                            "[]) WITH ORDINALITY "
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
  for (const auto& values : tricky_rows()) {
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

using storage::pg::binary_array;

class binary_array_param : public array_literal {
protected:
  /// The elements of `bytes` as PostgreSQL reads a binary `type`[] parameter.
  std::vector<std::optional<std::string>> read_back(const std::string& bytes,
                                                    const char* type) {
    auto r = exec(bytes, type);
    EXPECT_TRUE(r.ok()) << r.error();
    std::vector<std::optional<std::string>> out;
    for (int i = 0; i < r.rows(); ++i)
      out.push_back(r.opt_str(i, 0));
    return out;
  }

  storage::pg::result exec(const std::string& bytes, const char* type) {
    static constexpr storage::pg::statement text_stmt{
        "t_binary_text",
        "SELECT x::text FROM unnest($1::text[]) WITH ORDINALITY AS t(x, i) ORDER BY i"};
    static constexpr storage::pg::statement int8_stmt{
        "t_binary_int8",
        "SELECT x::text FROM unnest($1::bigint[]) WITH ORDINALITY AS t(x, i) ORDER BY i"};
    static constexpr storage::pg::statement bool_stmt{
        "t_binary_bool",
        "SELECT x::text FROM unnest($1::bool[]) WITH ORDINALITY AS t(x, i) ORDER BY i"};
    const auto& stmt = std::string{type} == "text"     ? text_stmt
                       : std::string{type} == "bigint" ? int8_stmt
                                                       : bool_stmt;
    return conn_.exec_binary(stmt, {bytes});
  }
};

TEST_F(binary_array_param, text_elements_arrive_unchanged) {
  for (const auto& values : tricky_rows()) {
    binary_array a{binary_array::element::text};
    for (const auto& v : values)
      a.text(v);
    auto back = read_back(std::move(a).finish(), "text");
    ASSERT_EQ(back.size(), values.size());
    for (std::size_t i = 0; i < values.size(); ++i)
      EXPECT_EQ(back[i], values[i]) << "element " << i;
  }
}

TEST_F(binary_array_param, null_stays_apart_from_the_word_and_the_empty_string) {
  binary_array a{binary_array::element::text};
  a.text_or_null(std::nullopt).text("NULL").text("").text_or_null(std::string{"a"});
  auto back = read_back(std::move(a).finish(), "text");
  EXPECT_EQ(back,
            (std::vector<std::optional<std::string>>{std::nullopt, "NULL", "", "a"}));
}

TEST_F(binary_array_param, integers_booleans_and_their_nulls) {
  std::vector<std::int64_t> ints = {0,
                                    -1,
                                    42,
                                    1765000000123,
                                    std::numeric_limits<std::int64_t>::max(),
                                    std::numeric_limits<std::int64_t>::min()};
  binary_array a{binary_array::element::int8};
  for (auto v : ints)
    a.integer(v);
  a.integer_or_null(std::nullopt);
  auto back = read_back(std::move(a).finish(), "bigint");
  ASSERT_EQ(back.size(), ints.size() + 1);
  for (std::size_t i = 0; i < ints.size(); ++i)
    EXPECT_EQ(back[i], std::to_string(ints[i]));
  EXPECT_EQ(back.back(), std::nullopt);
  binary_array flags{binary_array::element::boolean};
  flags.boolean(true).boolean(false).null();
  EXPECT_EQ(read_back(std::move(flags).finish(), "bool"),
            (std::vector<std::optional<std::string>>{"true", "false", std::nullopt}));
}

TEST_F(binary_array_param, a_nul_in_text_is_refused_and_the_connection_stays) {
  binary_array a{binary_array::element::text};
  a.text(std::string("hi\0there", 8));
  auto r = exec(std::move(a).finish(), "text");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.sqlstate(), storage::pg::sqlstate_nul_in_text);
  binary_array fine{binary_array::element::text};
  fine.text("hi there");
  EXPECT_EQ(read_back(std::move(fine).finish(), "text"),
            (std::vector<std::optional<std::string>>{"hi there"}));
}

TEST_F(binary_array_param, the_wrong_element_type_is_refused_not_misread) {
  binary_array ints{binary_array::element::int8};
  ints.integer(7);
  auto r = exec(std::move(ints).finish(), "text");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.sqlstate(), "42804"); // datatype_mismatch: "wrong element type"
  EXPECT_TRUE(conn_.ok());
}

} // namespace
} // namespace parley

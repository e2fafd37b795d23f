#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <libpq-fe.h>

// RAII over libpq: every PGconn and PGresult is owned by exactly one object, and
// every statement is parameterised (text parameters, so callers never splice
// values into SQL).
namespace parley::storage::pg {

struct conn_deleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

/// A query result. Rows and columns are read as text; `null` tells NULL apart.
class result {
public:
  result() = default;
  explicit result(PGresult* r) : r_(r) {}

  /// A statement refused before it was sent, failing as the server would with
  /// `sqlstate` (the connection stays usable).
  static result refused(std::string sqlstate, std::string message);

  bool ok() const;
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  bool null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const;
  std::string str(int row, int col) const { return std::string{text(row, col)}; }
  std::optional<std::string> opt_str(int row, int col) const;
  std::int64_t i64(int row, int col) const;
  bool boolean(int row, int col) const { return text(row, col) == "t"; }
  /// A text[] column as strings (NULL or {} gives an empty vector).
  std::vector<std::string> str_array(int row, int col) const;

  /// The SQLSTATE of a failed statement ("" when none).
  std::string sqlstate() const;
  /// libpq's message of a failed statement.
  std::string error() const;

private:
  std::unique_ptr<PGresult, result_deleter> r_;
  std::string refused_state_;
  std::string refused_message_;
};

/// SQLSTATE 22021 (character_not_in_repertoire): what PostgreSQL answers for a NUL
/// in text, and what `exec` answers without sending a parameter that holds one.
inline constexpr const char* sqlstate_nul_in_text = "22021";

/// A statement parameter: a text value or SQL NULL.
using param = std::optional<std::string>;

/// One array parameter in PostgreSQL's text syntax, built element by element
/// (every text element quoted), so a caller that walks rows fills its columns
/// without first copying each value into a vector (the group commit).
class array_literal {
public:
  explicit array_literal(std::size_t reserve_bytes = 0) {
    out_.reserve(reserve_bytes + 2);
    out_ += '{';
  }
  array_literal& text(std::string_view v);
  array_literal& text_or_null(const std::optional<std::string>& v) {
    return v ? text(*v) : null();
  }
  array_literal& integer(std::int64_t v);
  array_literal& integer_or_null(const std::optional<std::int64_t>& v) {
    return v ? integer(*v) : null();
  }
  array_literal& boolean(bool v) {
    comma();
    out_ += v ? 't' : 'f';
    return *this;
  }
  array_literal& null() {
    comma();
    out_ += "NULL";
    return *this;
  }
  /// The literal; the builder is spent.
  std::string finish() && {
    out_ += '}';
    return std::move(out_);
  }

private:
  void comma() {
    if (out_.size() > 1) out_ += ',';
  }
  std::string out_;
};

/// The same for whole vectors.
std::string text_array(const std::vector<std::string>& values);
std::string text_array_nullable(const std::vector<param>& values);
std::string int_array(const std::vector<std::int64_t>& values);
std::string bool_array(const std::vector<bool>& values);

/// A named statement: prepared once per connection on first use, then executed by
/// name, so the hot statements are parsed and planned once.
struct statement {
  const char* name;
  const char* sql;
};

/// One database connection. Blocking: used only from detached actors and tools.
class connection {
public:
  /// Connects; on failure `ok()` is false and `error()` says why.
  explicit connection(const std::string& conninfo);

  bool ok() const;
  std::string error() const;

  /// Re-establishes a broken connection; true when it is usable afterwards.
  bool reset();

  /// Runs one parameterised statement. Parameters travel as C strings, so one
  /// holding a NUL byte would be cut short silently: such a statement is refused
  /// with sqlstate_nul_in_text instead, before anything is sent.
  result exec(std::string_view sql, const std::vector<param>& params = {});

  /// Runs a named statement, preparing it on this connection first if needed.
  result exec(const statement& stmt, const std::vector<param>& params = {});

  /// Runs a statement without parameters (may hold several statements: migrations).
  result exec_script(const std::string& sql);

  PGconn* raw() { return c_.get(); }

private:
  std::string conninfo_;
  std::unique_ptr<PGconn, conn_deleter> c_;
  std::vector<std::string> prepared_; // names prepared on the current session
};

/// A transaction that rolls back unless committed.
class transaction {
public:
  explicit transaction(connection& c);
  ~transaction();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

  bool begun() const { return begun_; }
  /// Commits; returns the COMMIT result (check ok()).
  result commit();

private:
  connection& c_;
  bool begun_ = false;
  bool done_ = false;
};

} // namespace parley::storage::pg

#pragma once

#include <chrono>
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

/// One array parameter in PostgreSQL's binary format (what array_recv reads), built
/// element by element like array_literal: each element is its length and its bytes
/// (an int8 is 8 bytes in network order), so nothing is quoted or printed as
/// digits here and nothing is parsed back on the server. Used for the group
/// commit, whose 35 arrays per batch were the largest part of the writer's CPU
/// (bench/RESULTS.md, "Hot path, round 9"). The element type is fixed at
/// construction and must be what the statement casts the parameter to; a text
/// element with a NUL byte is refused by the server (SQLSTATE 22021), as in text.
class binary_array {
public:
  enum class element : std::uint32_t { boolean = 16, int8 = 20, text = 25 };

  explicit binary_array(element type, std::size_t reserve_bytes = 0);
  binary_array& text(std::string_view v);
  binary_array& text_or_null(const std::optional<std::string>& v) {
    return v ? text(*v) : null();
  }
  binary_array& integer(std::int64_t v);
  binary_array& integer_or_null(const std::optional<std::int64_t>& v) {
    return v ? integer(*v) : null();
  }
  binary_array& boolean(bool v);
  binary_array& null();
  /// The parameter's bytes; the builder is spent.
  std::string finish() &&;

  element type() const { return type_; }
  std::size_t size() const { return count_; }

private:
  void length(std::int32_t n);

  element type_;
  std::string out_; // a header's room, then the elements
  std::size_t count_ = 0;
  bool has_null_ = false;
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

/// How long a connection may wait on the database (--db-timeout). All zero (the
/// default): as long as it takes, for migrations and tools.
struct limits {
  /// The session's statement_timeout: the server cancels a statement running
  /// longer (SQLSTATE 57014) and the connection stays usable.
  std::chrono::milliseconds statement{0};
  /// How long the client waits for any answer before it gives the connection up:
  /// a server that is stopped (SIGSTOP), cut off or hung cancels nothing itself.
  /// Also bounds connecting (libpq's connect_timeout, whole seconds, at least 2).
  std::chrono::milliseconds answer{0};
  /// After a failed connection attempt, reset() fails at once for this long, so
  /// the requests queued behind it do not each wait for a hung server.
  std::chrono::milliseconds retry_after{0};

  /// The limits of --db-timeout `t`: statements get `t`, the client waits a
  /// second longer (so the server's own cancel normally comes first), and a
  /// failed connection attempt is repeated at most once a second.
  static limits of(std::chrono::milliseconds t) {
    using namespace std::chrono_literals;
    return {t, t + 1000ms, 1000ms};
  }
};

/// A server setting a connection applies to its session (set_config) whenever it
/// connects, reconnects included: `{"enable_seqscan", "off"}`.
struct setting {
  std::string name;
  std::string value;
};

/// One database connection. Blocking (used only from detached actors and tools),
/// but never longer than its limits: every statement is sent and awaited with
/// libpq's asynchronous calls under a deadline.
class connection {
public:
  /// Connects; on failure `ok()` is false and `error()` says why.
  explicit connection(const std::string& conninfo, limits l = {},
                      std::vector<setting> settings = {});

  bool ok() const;
  std::string error() const;

  /// Re-establishes a broken connection; true when it is usable afterwards.
  /// Within `retry_after` of a failed attempt it fails without trying.
  bool reset();

  /// Runs one parameterised statement. Parameters travel as C strings, so one
  /// holding a NUL byte would be cut short silently: such a statement is refused
  /// with sqlstate_nul_in_text instead, before anything is sent.
  result exec(std::string_view sql, const std::vector<param>& params = {});

  /// Runs a named statement, preparing it on this connection first if needed.
  result exec(const statement& stmt, const std::vector<param>& params = {});

  /// Runs a named statement whose parameters are all in binary format (each built
  /// by a binary_array), preparing it on this connection first if needed.
  result exec_binary(const statement& stmt, const std::vector<std::string>& params);

  /// Runs a statement whose parameters may be binary (`formats[i]` 1, with
  /// `lengths[i]`), asking for a binary result when `binary_result`: blob chunks.
  result exec_binary(const char* sql, int n, const char* const* values,
                     const int* lengths, const int* formats, bool binary_result);

  /// Runs a statement without parameters (may hold several statements: migrations).
  result exec_script(const std::string& sql);

  /// The libpq connection, for settings on it (a notice receiver). Statements go
  /// through exec, which keeps the deadline; a reset() replaces the connection.
  PGconn* raw() { return c_.get(); }

private:
  void open();
  /// Prepares `stmt` on this session unless it already is; a failed result if not.
  std::optional<result> prepare(const statement& stmt);
  /// Flushes what a PQsend* call queued and collects its result within the
  /// deadline; `sent` is what that call returned.
  result await(bool sent);
  /// The deadline passed: the connection is given up (the next reset() opens a
  /// new one) and the statement fails like a lost connection.
  result give_up();

  std::string conninfo_;
  limits limits_;
  std::vector<setting> settings_;
  std::unique_ptr<PGconn, conn_deleter> c_;
  std::string error_; // why c_ was given up (a missed deadline)
  std::chrono::steady_clock::time_point failed_at_{};
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

#include "storage/pg.hpp"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <poll.h>

namespace parley::storage::pg {

// -- result ---------------------------------------------------------------------

bool result::ok() const {
  if (!r_) return false;
  auto st = PQresultStatus(r_.get());
  return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_COPY_IN;
}

std::string_view result::text(int row, int col) const {
  return {PQgetvalue(r_.get(), row, col),
          static_cast<std::size_t>(PQgetlength(r_.get(), row, col))};
}

std::optional<std::string> result::opt_str(int row, int col) const {
  if (null(row, col)) return std::nullopt;
  return str(row, col);
}

std::int64_t result::i64(int row, int col) const {
  auto t = text(row, col);
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

std::vector<std::string> result::str_array(int row, int col) const {
  // Parses PostgreSQL's text array output: {a,"b c","d\"e"} (one dimension).
  std::vector<std::string> out;
  if (null(row, col)) return out;
  auto t = text(row, col);
  if (t.size() < 2 || t.front() != '{' || t.back() != '}') return out;
  std::size_t i = 1;
  while (i < t.size() - 1) {
    std::string item;
    if (t[i] == '"') {
      ++i;
      while (i < t.size() - 1 && t[i] != '"') {
        if (t[i] == '\\' && i + 1 < t.size() - 1) ++i;
        item += t[i++];
      }
      ++i; // closing quote
    } else {
      while (i < t.size() - 1 && t[i] != ',')
        item += t[i++];
    }
    out.push_back(std::move(item));
    if (i < t.size() - 1 && t[i] == ',') ++i;
  }
  return out;
}

result result::refused(std::string sqlstate, std::string message) {
  result r;
  r.refused_state_ = std::move(sqlstate);
  r.refused_message_ = std::move(message);
  return r;
}

std::string result::sqlstate() const {
  if (!refused_state_.empty()) return refused_state_;
  if (!r_) return {};
  auto s = PQresultErrorField(r_.get(), PG_DIAG_SQLSTATE);
  return s ? s : "";
}

std::string result::error() const {
  if (!refused_message_.empty()) return refused_message_;
  if (!r_) return "no result (connection lost)";
  return PQresultErrorMessage(r_.get());
}

// -- arrays ---------------------------------------------------------------------

namespace {

void append_quoted(std::string& out, std::string_view v) {
  out += '"';
  // A message body rarely holds a quote or a backslash: two memchr (vectorised)
  // prove it and the value is appended whole.
  if (v.empty() ||
      (!std::memchr(v.data(), '"', v.size()) && !std::memchr(v.data(), '\\', v.size()))) {
    out.append(v);
    out += '"';
    return;
  }
  // Whole runs at a time between the characters that need a backslash.
  const char* run = v.data();
  const char* end = run + v.size();
  for (const char* p = run; p != end; ++p) {
    if (*p != '"' && *p != '\\') continue;
    out.append(run, p);
    out += '\\';
    run = p; // the special character starts the next run
  }
  out.append(run, end);
  out += '"';
}

} // namespace

array_literal& array_literal::text(std::string_view v) {
  comma();
  append_quoted(out_, v);
  return *this;
}

array_literal& array_literal::integer(std::int64_t v) {
  comma();
  char digits[24];
  out_.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
  return *this;
}

// -- binary_array ---------------------------------------------------------------

namespace {

/// The header of a one-dimensional array: ndim, flags, element type, length, lower
/// bound (an empty array has only the first three, with ndim 0).
constexpr std::size_t array_header_bytes = 20;

void put_be32(char* at, std::uint32_t v) {
  at[0] = static_cast<char>(v >> 24);
  at[1] = static_cast<char>(v >> 16);
  at[2] = static_cast<char>(v >> 8);
  at[3] = static_cast<char>(v);
}

} // namespace

binary_array::binary_array(element type, std::size_t reserve_bytes) : type_(type) {
  out_.reserve(array_header_bytes + reserve_bytes);
  out_.resize(array_header_bytes);
}

void binary_array::length(std::int32_t n) {
  char b[4];
  put_be32(b, static_cast<std::uint32_t>(n));
  out_.append(b, 4);
  ++count_;
}

binary_array& binary_array::text(std::string_view v) {
  assert(type_ == element::text);
  length(static_cast<std::int32_t>(v.size()));
  out_.append(v);
  return *this;
}

binary_array& binary_array::integer(std::int64_t v) {
  assert(type_ == element::int8);
  char b[12];
  put_be32(b, 8);
  auto u = static_cast<std::uint64_t>(v);
  put_be32(b + 4, static_cast<std::uint32_t>(u >> 32));
  put_be32(b + 8, static_cast<std::uint32_t>(u));
  out_.append(b, sizeof b);
  ++count_;
  return *this;
}

binary_array& binary_array::boolean(bool v) {
  assert(type_ == element::boolean);
  length(1);
  out_ += v ? '\1' : '\0';
  return *this;
}

binary_array& binary_array::null() {
  length(-1);
  has_null_ = true;
  return *this;
}

std::string binary_array::finish() && {
  char* h = out_.data();
  put_be32(h + 8, static_cast<std::uint32_t>(type_));
  if (count_ == 0) {
    put_be32(h, 0); // no dimensions: '{}'
    put_be32(h + 4, 0);
    out_.resize(12);
    return std::move(out_);
  }
  put_be32(h, 1);
  put_be32(h + 4, has_null_ ? 1 : 0);
  put_be32(h + 12, static_cast<std::uint32_t>(count_));
  put_be32(h + 16, 1); // lower bound
  return std::move(out_);
}

namespace {

/// Room for `values` quoted: each value, its quotes, a comma, and some escapes.
template <class Values, class Size>
std::size_t quoted_capacity(const Values& values, Size size_of) {
  std::size_t n = 0;
  for (const auto& v : values)
    n += size_of(v) + 3;
  return n + n / 16;
}

} // namespace

std::string text_array(const std::vector<std::string>& values) {
  array_literal a{quoted_capacity(values, [](const std::string& v) { return v.size(); })};
  for (const auto& v : values)
    a.text(v);
  return std::move(a).finish();
}

std::string text_array_nullable(const std::vector<param>& values) {
  array_literal a{
      quoted_capacity(values, [](const param& v) { return v ? v->size() : 4; })};
  for (const auto& v : values)
    a.text_or_null(v);
  return std::move(a).finish();
}

std::string int_array(const std::vector<std::int64_t>& values) {
  array_literal a{values.size() * 21};
  for (auto v : values)
    a.integer(v);
  return std::move(a).finish();
}

std::string bool_array(const std::vector<bool>& values) {
  array_literal a{values.size() * 2};
  for (bool v : values)
    a.boolean(v);
  return std::move(a).finish();
}

// -- connection -----------------------------------------------------------------

namespace {

/// The index of the first parameter holding a NUL byte, or -1.
int param_with_nul(const std::vector<param>& params) {
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i] && params[i]->find('\0') != std::string::npos)
      return static_cast<int>(i);
  return -1;
}

result refuse_nul(int index) {
  return result::refused(sqlstate_nul_in_text,
                         "parameter $" + std::to_string(index + 1) + " holds a NUL byte");
}

/// libpq's C-string view of each parameter (nullptr for SQL NULL).
std::vector<const char*> c_values(const std::vector<param>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params)
    values.push_back(p ? p->c_str() : nullptr);
  return values;
}

} // namespace

connection::connection(const std::string& conninfo, limits l,
                       std::vector<setting> settings)
    : conninfo_(conninfo), limits_(l), settings_(std::move(settings)) {
  open();
}

void connection::open() {
  using namespace std::chrono;
  prepared_.clear(); // prepared statements die with the server session
  error_.clear();
  // connect_timeout comes after the caller's conninfo (expanded from "dbname"), so
  // --db-timeout bounds connecting whatever the conninfo says.
  auto seconds = (limits_.answer.count() + 999) / 1000;
  auto timeout = std::to_string(std::max<std::int64_t>(seconds, 2));
  const char* keys[] = {
      "dbname", limits_.answer.count() > 0 ? "connect_timeout" : nullptr, nullptr};
  const char* values[] = {conninfo_.c_str(), timeout.c_str(), nullptr};
  c_.reset(PQconnectdbParams(keys, values, 1));
  // Non-blocking, so that sending a large statement to a server that does not
  // read cannot block past the deadline either (await flushes).
  if (ok() && PQsetnonblocking(c_.get(), 1) != 0) c_.reset();
  auto apply = [&](const std::string& name, const std::string& value) {
    if (!ok()) return;
    auto set = exec("SELECT set_config($1, $2, false)", {name, value});
    if (!set.ok() && ok()) {
      error_ = name + ": " + set.error();
      c_.reset();
    }
  };
  if (limits_.statement.count() > 0)
    apply("statement_timeout", std::to_string(limits_.statement.count()));
  for (const auto& s : settings_)
    apply(s.name, s.value);
  if (!ok()) failed_at_ = steady_clock::now();
}

bool connection::ok() const {
  return c_ && PQstatus(c_.get()) == CONNECTION_OK;
}

std::string connection::error() const {
  if (!error_.empty()) return error_;
  return c_ ? PQerrorMessage(c_.get()) : "out of memory";
}

bool connection::reset() {
  if (limits_.retry_after.count() > 0 && !ok() &&
      std::chrono::steady_clock::now() - failed_at_ < limits_.retry_after)
    return false;
  open();
  return ok();
}

namespace {

enum class readiness { ready, timeout, broken };

/// Waits until `c`'s socket is readable (or writable too, when `write`), at most
/// until `deadline` (none: the time_point's maximum).
readiness wait_socket(PGconn* c, bool write,
                      std::chrono::steady_clock::time_point deadline) {
  using namespace std::chrono;
  int fd = PQsocket(c);
  if (fd < 0) return readiness::broken;
  for (;;) {
    int ms = -1;
    if (deadline != steady_clock::time_point::max()) {
      auto left = duration_cast<milliseconds>(deadline - steady_clock::now()).count();
      if (left <= 0) return readiness::timeout;
      ms = static_cast<int>(std::min<std::int64_t>(left + 1, 60'000));
    }
    pollfd p{fd, static_cast<short>(POLLIN | (write ? POLLOUT : 0)), 0};
    int n = ::poll(&p, 1, ms);
    if (n > 0) return readiness::ready;
    if (n < 0 && errno != EINTR) return readiness::broken;
  }
}

} // namespace

result connection::give_up() {
  error_ = "no answer from the database within " +
           std::to_string(limits_.answer.count()) + " ms: connection given up";
  c_.reset();
  prepared_.clear();
  failed_at_ = std::chrono::steady_clock::now();
  return result::refused("08006", error_); // connection_failure
}

result connection::await(bool sent) {
  using clock = std::chrono::steady_clock;
  auto* c = c_.get();
  if (!sent) return result{PQmakeEmptyPGresult(c, PGRES_FATAL_ERROR)};
  auto deadline = limits_.answer.count() > 0 ? clock::now() + limits_.answer
                                             : clock::time_point::max();
  // 1. Everything queued reaches the server (reading meanwhile, as libpq asks).
  for (;;) {
    int f = PQflush(c);
    if (f <= 0) break; // sent, or failed (PQgetResult reports it)
    auto w = wait_socket(c, true, deadline);
    if (w == readiness::timeout) return give_up();
    if (w == readiness::broken || !PQconsumeInput(c)) break;
  }
  // 2. Every result of the statement; like PQexec, the last one counts, except
  // that an error is kept over what follows it.
  std::unique_ptr<PGresult, result_deleter> last;
  for (;;) {
    while (PQisBusy(c)) {
      auto w = wait_socket(c, false, deadline);
      if (w == readiness::timeout) return give_up();
      if (w == readiness::broken || !PQconsumeInput(c)) break;
    }
    PGresult* r = PQgetResult(c);
    if (!r) break;
    auto status = PQresultStatus(r);
    if (last && PQresultStatus(last.get()) == PGRES_FATAL_ERROR)
      PQclear(r);
    else
      last.reset(r);
    if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH)
      break;
  }
  if (!last) return result{PQmakeEmptyPGresult(c, PGRES_FATAL_ERROR)};
  return result{last.release()};
}

std::optional<result> connection::prepare(const statement& stmt) {
  for (const auto& n : prepared_)
    if (n == stmt.name) return std::nullopt;
  auto prep = await(PQsendPrepare(c_.get(), stmt.name, stmt.sql, 0, nullptr) == 1);
  if (!prep.ok()) return prep;
  prepared_.emplace_back(stmt.name);
  return std::nullopt;
}

result connection::exec(const statement& stmt, const std::vector<param>& params) {
  if (!c_) return result::refused("08003", error()); // connection_does_not_exist
  if (auto failed = prepare(stmt)) return std::move(*failed);
  if (auto bad = param_with_nul(params); bad >= 0) return refuse_nul(bad);
  auto values = c_values(params);
  return await(PQsendQueryPrepared(c_.get(), stmt.name, static_cast<int>(values.size()),
                                   values.data(), nullptr, nullptr, 0) == 1);
}

result connection::exec(std::string_view sql, const std::vector<param>& params) {
  if (auto bad = param_with_nul(params); bad >= 0) return refuse_nul(bad);
  if (!c_) return result::refused("08003", error());
  std::string text{sql};
  auto values = c_values(params);
  return await(PQsendQueryParams(c_.get(), text.c_str(), static_cast<int>(values.size()),
                                 nullptr, values.data(), nullptr, nullptr, 0) == 1);
}

result connection::exec_binary(const statement& stmt,
                               const std::vector<std::string>& params) {
  if (!c_) return result::refused("08003", error());
  if (auto failed = prepare(stmt)) return std::move(*failed);
  std::vector<const char*> values;
  std::vector<int> lengths;
  values.reserve(params.size());
  lengths.reserve(params.size());
  for (const auto& p : params) {
    values.push_back(p.data());
    lengths.push_back(static_cast<int>(p.size()));
  }
  std::vector<int> formats(params.size(), 1);
  return await(PQsendQueryPrepared(c_.get(), stmt.name, static_cast<int>(params.size()),
                                   values.data(), lengths.data(), formats.data(),
                                   0) == 1);
}

result connection::exec_binary(const char* sql, int n, const char* const* values,
                               const int* lengths, const int* formats,
                               bool binary_result) {
  if (!c_) return result::refused("08003", error());
  return await(PQsendQueryParams(c_.get(), sql, n, nullptr, values, lengths, formats,
                                 binary_result ? 1 : 0) == 1);
}

result connection::exec_script(const std::string& sql) {
  if (!c_) return result::refused("08003", error());
  return await(PQsendQuery(c_.get(), sql.c_str()) == 1);
}

// -- transaction ----------------------------------------------------------------

transaction::transaction(connection& c) : c_(c) {
  begun_ = c_.exec("BEGIN").ok();
}

transaction::~transaction() {
  if (begun_ && !done_) c_.exec("ROLLBACK");
}

result transaction::commit() {
  done_ = true;
  return c_.exec("COMMIT");
}

} // namespace parley::storage::pg

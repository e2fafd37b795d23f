#include "storage/pg.hpp"

#include <charconv>
#include <cstring>

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

connection::connection(const std::string& conninfo)
    : conninfo_(conninfo), c_(PQconnectdb(conninfo.c_str())) {}

bool connection::ok() const {
  return c_ && PQstatus(c_.get()) == CONNECTION_OK;
}

std::string connection::error() const {
  return c_ ? PQerrorMessage(c_.get()) : "out of memory";
}

bool connection::reset() {
  prepared_.clear(); // prepared statements die with the server session
  if (!c_)
    c_.reset(PQconnectdb(conninfo_.c_str()));
  else
    PQreset(c_.get());
  return ok();
}

result connection::exec(const statement& stmt, const std::vector<param>& params) {
  bool known = false;
  for (const auto& n : prepared_)
    if (n == stmt.name) known = true;
  if (!known) {
    result prep{PQprepare(c_.get(), stmt.name, stmt.sql, 0, nullptr)};
    if (!prep.ok()) return prep;
    prepared_.emplace_back(stmt.name);
  }
  if (auto bad = param_with_nul(params); bad >= 0) return refuse_nul(bad);
  auto values = c_values(params);
  return result{PQexecPrepared(c_.get(), stmt.name, static_cast<int>(values.size()),
                               values.data(), nullptr, nullptr, 0)};
}

result connection::exec(std::string_view sql, const std::vector<param>& params) {
  if (auto bad = param_with_nul(params); bad >= 0) return refuse_nul(bad);
  std::string text{sql};
  auto values = c_values(params);
  return result{PQexecParams(c_.get(), text.c_str(), static_cast<int>(values.size()),
                             nullptr, values.data(), nullptr, nullptr, 0)};
}

result connection::exec_script(const std::string& sql) {
  return result{PQexec(c_.get(), sql.c_str())};
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

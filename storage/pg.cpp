#include "storage/pg.hpp"

#include <charconv>

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

std::string result::sqlstate() const {
  if (!r_) return {};
  auto s = PQresultErrorField(r_.get(), PG_DIAG_SQLSTATE);
  return s ? s : "";
}

std::string result::error() const {
  if (!r_) return "no result (connection lost)";
  return PQresultErrorMessage(r_.get());
}

// -- arrays ---------------------------------------------------------------------

namespace {

void append_quoted(std::string& out, std::string_view v) {
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

} // namespace

std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    append_quoted(out, values[i]);
  }
  out += '}';
  return out;
}

std::string text_array_nullable(const std::vector<param>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    if (values[i])
      append_quoted(out, *values[i]);
    else
      out += "NULL";
  }
  out += '}';
  return out;
}

std::string int_array(const std::vector<std::int64_t>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(values[i]);
  }
  out += '}';
  return out;
}

std::string bool_array(const std::vector<bool>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += values[i] ? 't' : 'f';
  }
  out += '}';
  return out;
}

// -- connection -----------------------------------------------------------------

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
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params)
    values.push_back(p ? p->c_str() : nullptr);
  return result{PQexecPrepared(c_.get(), stmt.name, static_cast<int>(values.size()),
                               values.data(), nullptr, nullptr, 0)};
}

result connection::exec(std::string_view sql, const std::vector<param>& params) {
  std::string text{sql};
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params)
    values.push_back(p ? p->c_str() : nullptr);
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

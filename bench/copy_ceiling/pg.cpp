#include "bench/copy_ceiling/pg.hpp"

#include <string_view>

namespace parley::bench::pg {

namespace {

std::string trimmed(const char* text) {
  std::string_view v = text ? text : "";
  while (!v.empty() && (v.back() == '\n' || v.back() == ' '))
    v.remove_suffix(1);
  return std::string{v};
}

result checked(PGconn* c, PGresult* raw, const char* sql, ExecStatusType expected) {
  result r{raw};
  if (!r) throw error(std::string{sql} + ": " + trimmed(PQerrorMessage(c)));
  if (PQresultStatus(r.get()) != expected)
    throw error(std::string{sql} + ": " + trimmed(PQresultErrorMessage(r.get())));
  return r;
}

} // namespace

connection connect(const std::string& conninfo) {
  connection c{PQconnectdb(conninfo.c_str())};
  if (!c) throw error("out of memory connecting to PostgreSQL");
  if (PQstatus(c.get()) != CONNECTION_OK)
    throw error("cannot connect to PostgreSQL: " + trimmed(PQerrorMessage(c.get())));
  return c;
}

result exec(PGconn* c, const char* sql, ExecStatusType expected) {
  return checked(c, PQexec(c, sql), sql, expected);
}

result exec_params(PGconn* c, const char* sql, int n, const char* const* values,
                   ExecStatusType expected) {
  return checked(c, PQexecParams(c, sql, n, nullptr, values, nullptr, nullptr, 0), sql,
                 expected);
}

std::string scalar(PGconn* c, const char* sql) {
  auto r = exec(c, sql, PGRES_TUPLES_OK);
  if (PQntuples(r.get()) < 1 || PQnfields(r.get()) < 1 || PQgetisnull(r.get(), 0, 0))
    return {};
  return PQgetvalue(r.get(), 0, 0);
}

} // namespace parley::bench::pg

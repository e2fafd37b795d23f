#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include <libpq-fe.h>

// Minimal RAII over libpq for the bench tools: owning handles with custom deleters,
// and exec helpers that turn an unexpected status into an exception carrying the
// server's message. (The server's storage module has its own wrappers; bench/ does
// not depend on it, so it stays buildable alone.)
namespace parley::bench::pg {

struct connection_deleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};

using connection = std::unique_ptr<PGconn, connection_deleter>;
using result = std::unique_ptr<PGresult, result_deleter>;

class error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

/// Connects with `conninfo` (empty: the PG* environment). Throws pg::error.
connection connect(const std::string& conninfo);

/// Runs one parameterless statement and checks its status. Throws pg::error.
result exec(PGconn* c, const char* sql, ExecStatusType expected = PGRES_COMMAND_OK);

/// Runs `sql` with text parameters $1..; checks its status. Throws pg::error.
result exec_params(PGconn* c, const char* sql, int n, const char* const* values,
                   ExecStatusType expected = PGRES_TUPLES_OK);

/// The first column of the first row of a query, as text.
std::string scalar(PGconn* c, const char* sql);

} // namespace parley::bench::pg

#pragma once

#include <utility>

#include "storage/pg.hpp"

namespace parley::storage::pg {

/// Runs `query(db)` once, and once more after re-connecting if the connection broke
/// (PostgreSQL restarted): a statement never fails for a connection that can be
/// healed. `query` returns a result (or anything with `ok()`).
template <class Query>
auto with_reconnect(connection& db, Query&& query) {
  if (!db.ok()) db.reset();
  auto r = query(db);
  if (!r.ok() && !db.ok() && db.reset()) r = query(db);
  return r;
}

} // namespace parley::storage::pg

#pragma once

#include <string>
#include <vector>

#include "storage/pg.hpp"

namespace parley::storage {

/// One numbered schema change, embedded from storage/migrations/NNN_name.sql.
struct migration {
  int version;
  const char* name;
  const char* sql;
};

/// Every migration, ascending by version (generated at build time).
const std::vector<migration>& all_migrations();

/// The outcome of `migrate`.
struct migrate_result {
  bool ok = false;
  int applied = 0; // migrations applied by this call
  int version = 0; // schema version afterwards
  std::string error;
};

/// Applies every migration newer than the database's version, each in its own
/// transaction together with its bookkeeping row. Concurrent callers serialise on an
/// advisory lock, so two servers starting at once apply each migration once.
migrate_result migrate(pg::connection& db);

} // namespace parley::storage

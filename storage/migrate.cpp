#include "storage/migrate.hpp"

namespace parley::storage {

namespace {

// An arbitrary constant naming Parley's migration lock.
constexpr const char* lock_key = "7283450190";

} // namespace

migrate_result migrate(pg::connection& db) {
  migrate_result out;
  if (!db.ok()) {
    out.error = db.error();
    return out;
  }
  auto fail = [&](const pg::result& r, const std::string& what) {
    out.error = what + ": " + r.error();
    db.exec("SELECT pg_advisory_unlock($1::bigint)", {lock_key});
    return out;
  };
  if (auto r = db.exec("SELECT pg_advisory_lock($1::bigint)", {lock_key}); !r.ok()) {
    out.error = "migration lock: " + r.error();
    return out;
  }
  auto ddl = db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                     " version integer PRIMARY KEY, name text NOT NULL,"
                     " applied_at timestamptz NOT NULL DEFAULT now())");
  if (!ddl.ok()) return fail(ddl, "schema_migrations");
  auto cur = db.exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
  if (!cur.ok()) return fail(cur, "schema version");
  out.version = static_cast<int>(cur.i64(0, 0));
  for (const auto& m : all_migrations()) {
    if (m.version <= out.version) continue;
    pg::transaction tx{db};
    if (!tx.begun()) return fail(pg::result{}, "begin");
    if (auto r = db.exec_script(m.sql); !r.ok())
      return fail(r, "migration " + std::to_string(m.version) + " " + m.name);
    if (auto r = db.exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                         {std::to_string(m.version), std::string{m.name}});
        !r.ok())
      return fail(r, "record migration");
    if (auto r = tx.commit(); !r.ok()) return fail(r, "commit migration");
    out.version = m.version;
    ++out.applied;
  }
  db.exec("SELECT pg_advisory_unlock($1::bigint)", {lock_key});
  out.ok = true;
  return out;
}

} // namespace parley::storage

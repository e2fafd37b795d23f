#pragma once

#include <cstdint>
#include <vector>

#include "protocol/types.hpp"
#include "storage/db_result.hpp"
#include "storage/pg.hpp"

// SQL for the directory: organisations and users (PROTOCOL.md section 4).
namespace parley::storage {

db_result<std::vector<protocol::org_info>> load_orgs(pg::connection& db);
db_result<std::vector<protocol::user_info>> load_users(pg::connection& db);

/// Inserts or replaces an organisation.
db_result<bool> put_org(pg::connection& db, const protocol::org_info& org,
                        std::int64_t now);

/// Inserts or replaces a user. Fails (sqlstate 23503) when the org does not exist.
db_result<bool> put_user(pg::connection& db, const protocol::user_info& user,
                         std::int64_t now);

} // namespace parley::storage

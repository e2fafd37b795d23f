#pragma once

#include <cstdint>
#include <vector>

#include "protocol/records.hpp"
#include "protocol/types.hpp"
#include "storage/db_result.hpp"
#include "storage/pg.hpp"
#include "storage/support_queries.hpp"

// SQL for the directory: organisations, users, companies, teams and favourites
// (docs/protocol.md §4).
namespace parley::storage {

/// A user's favourite companies and the version of that set: every change bumps
/// it, so caches apply concurrent changes in the database's order.
struct favorite_set {
  std::string user;
  std::vector<std::string> companies; // sorted
  std::int64_t version = 0;
};

db_result<std::vector<protocol::org_info>> load_orgs(pg::connection& db);
db_result<std::vector<protocol::user_info>> load_users(pg::connection& db);

/// Inserts or replaces an organisation.
db_result<bool> put_org(pg::connection& db, const protocol::org_info& org,
                        std::int64_t now);

/// Inserts or replaces a user. Fails (sqlstate 23503) when the org does not exist.
db_result<bool> put_user(pg::connection& db, const protocol::user_info& user,
                         std::int64_t now);

db_result<std::vector<protocol::company_info>> load_companies(pg::connection& db);
db_result<std::vector<protocol::team_info>> load_teams(pg::connection& db);
/// Every user's favourites (users without favourites are absent).
db_result<std::vector<favorite_set>> load_favorites(pg::connection& db);

/// Everything the directory holds.
struct directory_snapshot {
  std::vector<protocol::org_info> orgs;
  std::vector<protocol::user_info> users;
  std::vector<protocol::company_info> companies;
  std::vector<protocol::team_info> teams;
  std::vector<favorite_set> favorites;
  std::vector<contact_block> blocked_contacts; // migration 008
  std::vector<ai_agent_row> ai_agents;
};

/// Reads the whole directory (at start).
db_result<directory_snapshot> load_directory(pg::connection& db);

/// Inserts or renames a company. False (no error) when the id belongs to a company
/// of another organisation.
db_result<bool> put_company(pg::connection& db, const protocol::company_info& company,
                            std::int64_t now);

/// Inserts or replaces a team and its members, atomically. False (no error) when
/// the id belongs to a team of another organisation.
db_result<bool> put_team(pg::connection& db, const protocol::team_info& team,
                         std::int64_t now);

// Plain records the actors carry too (protocol/records.hpp).
using protocol::favorites_op;

/// Changes a user's favourites and returns the resulting set and version.
db_result<favorite_set> change_favorites(pg::connection& db, const std::string& user,
                                         favorites_op op,
                                         const std::vector<std::string>& companies);

} // namespace parley::storage

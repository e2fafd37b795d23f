#include "storage/directory_queries.hpp"

#include "storage/rows.hpp"

namespace parley::storage {

namespace {

constexpr pg::statement select_orgs{
    "select_orgs", "SELECT id, name, connect_policy, closing_notes, window_hours, alias,"
                   " max_attachment_bytes, attachment_types, display_as_alias,"
                   " support_assignee FROM orgs"};

constexpr pg::statement select_users{
    "select_users", "SELECT id, org, kind, role, name, email, company FROM users"};

constexpr pg::statement upsert_org{
    "upsert_org",
    "INSERT INTO orgs (id, name, connect_policy, closing_notes, window_hours, alias,"
    " max_attachment_bytes, attachment_types, display_as_alias, updated_at,"
    " support_assignee)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10, $11)"
    " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,"
    " connect_policy = EXCLUDED.connect_policy, closing_notes = EXCLUDED.closing_notes,"
    " window_hours = EXCLUDED.window_hours, alias = EXCLUDED.alias,"
    " max_attachment_bytes = EXCLUDED.max_attachment_bytes,"
    " attachment_types = EXCLUDED.attachment_types,"
    " display_as_alias = EXCLUDED.display_as_alias, updated_at = EXCLUDED.updated_at,"
    " support_assignee = EXCLUDED.support_assignee"};

constexpr pg::statement upsert_user{
    "upsert_user",
    "INSERT INTO users (id, org, kind, role, name, email, company, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    " ON CONFLICT (id) DO UPDATE SET org = EXCLUDED.org, kind = EXCLUDED.kind,"
    " role = EXCLUDED.role, name = EXCLUDED.name, email = EXCLUDED.email,"
    " company = EXCLUDED.company, updated_at = EXCLUDED.updated_at"};

constexpr pg::statement select_companies{"select_companies",
                                         "SELECT id, org, name FROM companies"};

constexpr pg::statement select_teams{
    "select_teams",
    "SELECT t.id, t.org, t.name,"
    "       coalesce(array_agg(m.user_id ORDER BY m.user_id)"
    "                FILTER (WHERE m.user_id IS NOT NULL), '{}')"
    " FROM teams t LEFT JOIN team_members m ON m.team = t.id GROUP BY t.id"};

constexpr pg::statement select_favorites{
    "select_favorites",
    "SELECT u.id, array_agg(f.company ORDER BY f.company), u.favorites_version"
    " FROM users u JOIN favorites f ON f.user_id = u.id GROUP BY u.id"};

// The WHERE keeps an id that belongs to another org untouched (RETURNING nothing).
constexpr pg::statement upsert_company{
    "upsert_company", "INSERT INTO companies (id, org, name, updated_at)"
                      " VALUES ($1, $2, $3, $4)"
                      " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,"
                      " updated_at = EXCLUDED.updated_at"
                      " WHERE companies.org = EXCLUDED.org RETURNING id"};

constexpr pg::statement upsert_team{
    "upsert_team", "INSERT INTO teams (id, org, name, updated_at) VALUES ($1, $2, $3, $4)"
                   " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,"
                   " updated_at = EXCLUDED.updated_at"
                   " WHERE teams.org = EXCLUDED.org RETURNING id"};

constexpr pg::statement replace_team_members{
    "replace_team_members",
    "WITH gone AS (DELETE FROM team_members WHERE team = $1 AND user_id <> "
    "ALL($2::text[]))"
    " INSERT INTO team_members (team, user_id)"
    " SELECT $1, u FROM unnest($2::text[]) AS u ON CONFLICT DO NOTHING"};

constexpr pg::statement favorites_replace{
    "favorites_replace",
    "WITH gone AS (DELETE FROM favorites WHERE user_id = $1 AND company <> "
    "ALL($2::text[]))"
    " INSERT INTO favorites (user_id, company)"
    " SELECT $1, c FROM unnest($2::text[]) AS c ON CONFLICT DO NOTHING"};

constexpr pg::statement favorites_insert{
    "favorites_insert",
    "INSERT INTO favorites (user_id, company)"
    " SELECT $1, c FROM unnest($2::text[]) AS c ON CONFLICT DO NOTHING"};

constexpr pg::statement favorites_delete{
    "favorites_delete",
    "DELETE FROM favorites WHERE user_id = $1 AND company = ANY($2::text[])"};

// Locks the user's row first: concurrent changes of one user's favourites apply
// one after the other, each seeing the previous one's result.
constexpr pg::statement favorites_lock{"favorites_lock",
                                       "SELECT 1 FROM users WHERE id = $1 FOR UPDATE"};

constexpr pg::statement favorites_bump{
    "favorites_bump",
    "UPDATE users SET favorites_version = favorites_version + 1 WHERE id = $1"
    " RETURNING favorites_version,"
    "   (SELECT coalesce(array_agg(company ORDER BY company), '{}')"
    "    FROM favorites WHERE user_id = $1)"};

} // namespace

db_result<std::vector<protocol::org_info>> load_orgs(pg::connection& db) {
  auto r = db.exec(select_orgs);
  if (!r.ok()) return failed<std::vector<protocol::org_info>>(r);
  std::vector<protocol::org_info> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) {
    protocol::org_info o;
    o.id = r.str(i, 0);
    o.name = r.str(i, 1);
    o.connect_policy = r.str(i, 2);
    o.closing_notes = r.str(i, 3);
    o.window_hours = r.i64(i, 4);
    o.alias = r.opt_str(i, 5);
    o.max_attachment_bytes = r.i64(i, 6);
    o.attachment_types = r.str_array(i, 7);
    o.display_as_alias = r.boolean(i, 8);
    o.support_assignee = r.opt_str(i, 9);
    out.push_back(std::move(o));
  }
  return db_result<std::vector<protocol::org_info>>::success(std::move(out));
}

db_result<std::vector<protocol::user_info>> load_users(pg::connection& db) {
  auto r = db.exec(select_users);
  if (!r.ok()) return failed<std::vector<protocol::user_info>>(r);
  std::vector<protocol::user_info> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i) {
    protocol::user_info u;
    u.id = r.str(i, 0);
    u.org = r.str(i, 1);
    u.kind = protocol::parse_user_kind(r.text(i, 2)).value_or(protocol::user_kind::staff);
    if (!r.null(i, 3)) u.role = protocol::parse_staff_role(r.text(i, 3));
    u.name = r.str(i, 4);
    u.email = r.opt_str(i, 5);
    u.company = r.opt_str(i, 6);
    out.push_back(std::move(u));
  }
  return db_result<std::vector<protocol::user_info>>::success(std::move(out));
}

db_result<bool> put_org(pg::connection& db, const protocol::org_info& o,
                        std::int64_t now) {
  auto r =
      db.exec(upsert_org,
              {o.id, o.name, o.connect_policy, o.closing_notes,
               std::to_string(o.window_hours), o.alias,
               std::to_string(o.max_attachment_bytes), pg::text_array(o.attachment_types),
               o.display_as_alias ? "t" : "f", std::to_string(now), o.support_assignee});
  if (!r.ok()) return db_result<bool>::failure(r.error(), r.sqlstate());
  return db_result<bool>::success(true);
}

db_result<bool> put_user(pg::connection& db, const protocol::user_info& u,
                         std::int64_t now) {
  pg::param role;
  if (u.role) role = std::string{protocol::to_string(*u.role)};
  auto r = db.exec(upsert_user, {u.id, u.org, std::string{protocol::to_string(u.kind)},
                                 role, u.name, u.email, u.company, std::to_string(now)});
  if (!r.ok()) return db_result<bool>::failure(r.error(), r.sqlstate());
  return db_result<bool>::success(true);
}

db_result<std::vector<protocol::company_info>> load_companies(pg::connection& db) {
  auto r = db.exec(select_companies);
  if (!r.ok()) return failed<std::vector<protocol::company_info>>(r);
  std::vector<protocol::company_info> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.str(i, 0), r.str(i, 1), r.str(i, 2)});
  return db_result<std::vector<protocol::company_info>>::success(std::move(out));
}

db_result<std::vector<protocol::team_info>> load_teams(pg::connection& db) {
  auto r = db.exec(select_teams);
  if (!r.ok()) return failed<std::vector<protocol::team_info>>(r);
  std::vector<protocol::team_info> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.str(i, 0), r.str(i, 1), r.str(i, 2), r.str_array(i, 3)});
  return db_result<std::vector<protocol::team_info>>::success(std::move(out));
}

db_result<std::vector<favorite_set>> load_favorites(pg::connection& db) {
  auto r = db.exec(select_favorites);
  if (!r.ok()) return failed<std::vector<favorite_set>>(r);
  std::vector<favorite_set> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.str(i, 0), r.str_array(i, 1), r.i64(i, 2)});
  return db_result<std::vector<favorite_set>>::success(std::move(out));
}

db_result<directory_snapshot> load_directory(pg::connection& db) {
  directory_snapshot s;
  auto orgs = load_orgs(db);
  if (!orgs.ok()) return db_result<directory_snapshot>::failure(orgs.error);
  auto users = load_users(db);
  if (!users.ok()) return db_result<directory_snapshot>::failure(users.error);
  auto companies = load_companies(db);
  if (!companies.ok()) return db_result<directory_snapshot>::failure(companies.error);
  auto teams = load_teams(db);
  if (!teams.ok()) return db_result<directory_snapshot>::failure(teams.error);
  auto favorites = load_favorites(db);
  if (!favorites.ok()) return db_result<directory_snapshot>::failure(favorites.error);
  s.orgs = std::move(*orgs.value);
  s.users = std::move(*users.value);
  s.companies = std::move(*companies.value);
  s.teams = std::move(*teams.value);
  s.favorites = std::move(*favorites.value);
  auto blocks = load_contact_blocks(db);
  if (!blocks.ok()) return db_result<directory_snapshot>::failure(blocks.error);
  s.blocked_contacts = std::move(*blocks.value);
  auto agents = load_ai_agents(db);
  if (!agents.ok()) return db_result<directory_snapshot>::failure(agents.error);
  s.ai_agents = std::move(*agents.value);
  return db_result<directory_snapshot>::success(std::move(s));
}

db_result<bool> put_company(pg::connection& db, const protocol::company_info& c,
                            std::int64_t now) {
  auto r = db.exec(upsert_company, {c.id, c.org, c.name, std::to_string(now)});
  if (!r.ok()) return failed<bool>(r);
  return db_result<bool>::success(r.rows() == 1);
}

db_result<bool> put_team(pg::connection& db, const protocol::team_info& t,
                         std::int64_t now) {
  pg::transaction tx{db};
  if (!tx.begun()) return db_result<bool>::failure(db.error());
  auto r = db.exec(upsert_team, {t.id, t.org, t.name, std::to_string(now)});
  if (!r.ok()) return failed<bool>(r);
  if (r.rows() != 1) return db_result<bool>::success(false);
  auto m = db.exec(replace_team_members, {t.id, pg::text_array(t.members)});
  if (!m.ok()) return failed<bool>(m);
  auto c = tx.commit();
  if (!c.ok()) return failed<bool>(c);
  return db_result<bool>::success(true);
}

db_result<favorite_set> change_favorites(pg::connection& db, const std::string& user,
                                         favorites_op op,
                                         const std::vector<std::string>& companies) {
  pg::transaction tx{db};
  if (!tx.begun()) return db_result<favorite_set>::failure(db.error());
  auto lock = db.exec(favorites_lock, {user});
  if (!lock.ok()) return failed<favorite_set>(lock);
  auto list = pg::text_array(companies);
  const auto& stmt = op == favorites_op::set   ? favorites_replace
                     : op == favorites_op::add ? favorites_insert
                                               : favorites_delete;
  auto w = db.exec(stmt, {user, list});
  if (!w.ok()) return failed<favorite_set>(w);
  auto v = db.exec(favorites_bump, {user});
  if (!v.ok()) return failed<favorite_set>(v);
  if (v.rows() != 1) return db_result<favorite_set>::failure("unknown user", "23503");
  auto c = tx.commit();
  if (!c.ok()) return failed<favorite_set>(c);
  return db_result<favorite_set>::success({user, v.str_array(0, 1), v.i64(0, 0)});
}

} // namespace parley::storage

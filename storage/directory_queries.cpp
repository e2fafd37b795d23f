#include "storage/directory_queries.hpp"

namespace parley::storage {

namespace {

constexpr pg::statement select_orgs{
    "select_orgs", "SELECT id, name, connect_policy, closing_notes, window_hours, alias,"
                   " max_attachment_bytes, attachment_types, display_as_alias FROM orgs"};

constexpr pg::statement select_users{
    "select_users", "SELECT id, org, kind, role, name, email, company FROM users"};

constexpr pg::statement upsert_org{
    "upsert_org",
    "INSERT INTO orgs (id, name, connect_policy, closing_notes, window_hours, alias,"
    " max_attachment_bytes, attachment_types, display_as_alias, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10)"
    " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name,"
    " connect_policy = EXCLUDED.connect_policy, closing_notes = EXCLUDED.closing_notes,"
    " window_hours = EXCLUDED.window_hours, alias = EXCLUDED.alias,"
    " max_attachment_bytes = EXCLUDED.max_attachment_bytes,"
    " attachment_types = EXCLUDED.attachment_types,"
    " display_as_alias = EXCLUDED.display_as_alias, updated_at = EXCLUDED.updated_at"};

constexpr pg::statement upsert_user{
    "upsert_user",
    "INSERT INTO users (id, org, kind, role, name, email, company, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    " ON CONFLICT (id) DO UPDATE SET org = EXCLUDED.org, kind = EXCLUDED.kind,"
    " role = EXCLUDED.role, name = EXCLUDED.name, email = EXCLUDED.email,"
    " company = EXCLUDED.company, updated_at = EXCLUDED.updated_at"};

} // namespace

db_result<std::vector<protocol::org_info>> load_orgs(pg::connection& db) {
  auto r = db.exec(select_orgs);
  if (!r.ok())
    return db_result<std::vector<protocol::org_info>>::failure(r.error(), r.sqlstate());
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
    out.push_back(std::move(o));
  }
  return db_result<std::vector<protocol::org_info>>::success(std::move(out));
}

db_result<std::vector<protocol::user_info>> load_users(pg::connection& db) {
  auto r = db.exec(select_users);
  if (!r.ok())
    return db_result<std::vector<protocol::user_info>>::failure(r.error(), r.sqlstate());
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
  auto r = db.exec(upsert_org, {o.id, o.name, o.connect_policy, o.closing_notes,
                                std::to_string(o.window_hours), o.alias,
                                std::to_string(o.max_attachment_bytes),
                                pg::text_array(o.attachment_types),
                                o.display_as_alias ? "t" : "f", std::to_string(now)});
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

} // namespace parley::storage

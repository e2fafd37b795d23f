#include "storage/inbox_view_queries.hpp"

#include "storage/rows.hpp"

namespace parley::storage {

namespace {

#define PARLEY_VIEW_COLUMNS                                                              \
  "v.id, v.org, v.owner, v.name, v.base, v.status, v.unreplied, v.sort, v.team,"         \
  " v.created_at"

constexpr pg::statement select_view{"select_inbox_view",
                                    "SELECT " PARLEY_VIEW_COLUMNS
                                    " FROM inbox_views v WHERE v.id = $1 AND v.org = $2"};

constexpr pg::statement select_visible_views{
    "select_visible_inbox_views",
    "SELECT " PARLEY_VIEW_COLUMNS " FROM inbox_views v WHERE v.org = $1"
    " AND (v.owner = $2 OR v.team = ANY($3::text[]))"};

constexpr pg::statement select_member_teams{
    "select_member_teams",
    "SELECT m.team FROM team_members m JOIN teams t ON t.id = m.team"
    " WHERE m.user_id = $2 AND t.org = $1 ORDER BY m.team"};

// Serialises one owner's creates, so the count below cannot be passed by two at once.
constexpr pg::statement lock_owner{"lock_view_owner",
                                   "SELECT 1 FROM users WHERE id = $1 FOR UPDATE"};

constexpr pg::statement count_owned{"count_owned_views",
                                    "SELECT count(*) FROM inbox_views WHERE owner = $1"};

constexpr pg::statement insert_view{
    "insert_inbox_view",
    "INSERT INTO inbox_views AS v (id, org, owner, name, base, status, unreplied, sort,"
    " team, created_at, updated_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7::boolean, $8, $9, $10::bigint, $10::bigint)"
    " RETURNING " PARLEY_VIEW_COLUMNS};

constexpr pg::statement update_view{
    "update_inbox_view",
    "UPDATE inbox_views AS v SET name = $4, base = $5, status = $6,"
    " unreplied = $7::boolean, sort = $8, team = $9, updated_at = $10::bigint"
    " WHERE v.id = $1 AND v.org = $2 AND v.owner = $3 RETURNING " PARLEY_VIEW_COLUMNS};

constexpr pg::statement delete_view{
    "delete_inbox_view",
    "DELETE FROM inbox_views WHERE id = $1 AND org = $2 AND owner = $3 RETURNING id"};

#undef PARLEY_VIEW_COLUMNS

constexpr pg::statement no_jit{"inbox_counts_no_jit", "SET LOCAL jit = off"};

inbox_view_row read_view(const pg::result& r, int i) {
  inbox_view_row v;
  v.id = r.str(i, 0);
  v.org = r.str(i, 1);
  v.owner = r.str(i, 2);
  v.name = r.str(i, 3);
  v.base = r.str(i, 4);
  v.status = r.str(i, 5);
  if (!r.null(i, 6)) v.unreplied = r.boolean(i, 6);
  v.sort = r.str(i, 7);
  v.team = r.opt_str(i, 8);
  v.created_at = r.i64(i, 9);
  return v;
}

std::vector<pg::param> write_params(const inbox_view_row& v, std::int64_t now) {
  pg::param unreplied;
  if (v.unreplied) unreplied = *v.unreplied ? "t" : "f";
  return {v.id,     v.org,     v.owner, v.name, v.base,
          v.status, unreplied, v.sort,  v.team, std::to_string(now)};
}

} // namespace

// One pass over the org's open support conversations (index-only on
// inbox_open_counts, migration 012), grouped into at most 3 x (teams + 1) x 2 rows
// with the unread ones counted in each (an aggregate, not a group key: fewer,
// cheaper groups). Unread without reading messages where the row tells: nothing
// after the marker (last_seq), or no marker and the contact has written (a message
// by someone who is not the caller, since only staff count). Otherwise one
// primary-key probe of messages after the marker: only conversations the caller
// has read and that moved on since, or that the contact never wrote to.
const char* const open_count_groups_sql =
    "SELECT o.who, o.team, o.unreplied, count(*), count(*) FILTER (WHERE o.unread)"
    " FROM (SELECT CASE WHEN c.assignee IS NULL THEN NULL"
    "  WHEN c.assignee = $2::text THEN c.assignee ELSE '' END AS who,"
    "  c.team, c.unreplied,"
    "  CASE WHEN c.last_seq <= coalesce(r.seq, 0) THEN false"
    "   WHEN r.seq IS NULL AND c.last_contact_ts IS NOT NULL THEN true"
    "   ELSE EXISTS (SELECT 1 FROM messages m WHERE m.conv = c.id"
    "    AND m.seq > coalesce(r.seq, 0) AND m.author <> $2::text) END AS unread"
    "  FROM conversations c"
    "  LEFT JOIN read_markers r ON r.conv = c.id AND r.user_id = $2::text"
    "  WHERE c.org = $1::text AND c.kind = 'support' AND c.status = 'open'"
    "  AND NOT EXISTS (SELECT 1 FROM contact_blocks k WHERE k.contact = c.contact)) o"
    " GROUP BY 1, 2, 3";

db_result<std::optional<inbox_view_row>>
get_inbox_view(pg::connection& db, const std::string& org, const std::string& id) {
  using out_t = std::optional<inbox_view_row>;
  auto r = db.exec(select_view, {id, org});
  if (!r.ok()) return failed<out_t>(r);
  if (r.rows() == 0) return db_result<out_t>::success(std::nullopt);
  return db_result<out_t>::success(read_view(r, 0));
}

db_result<std::vector<inbox_view_row>>
list_inbox_views(pg::connection& db, const std::string& org, const std::string& user,
                 const std::vector<std::string>& teams) {
  using out_t = std::vector<inbox_view_row>;
  auto r = db.exec(select_visible_views, {org, user, pg::text_array(teams)});
  if (!r.ok()) return failed<out_t>(r);
  out_t out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(read_view(r, i));
  return db_result<out_t>::success(std::move(out));
}

db_result<std::vector<std::string>>
member_teams(pg::connection& db, const std::string& org, const std::string& user) {
  using out_t = std::vector<std::string>;
  auto r = db.exec(select_member_teams, {org, user});
  if (!r.ok()) return failed<out_t>(r);
  out_t out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(r.str(i, 0));
  return db_result<out_t>::success(std::move(out));
}

db_result<view_write_result> create_inbox_view(pg::connection& db,
                                               const inbox_view_row& v,
                                               std::uint64_t max_views,
                                               std::int64_t now) {
  pg::transaction tx{db};
  if (!tx.begun()) return db_result<view_write_result>::failure(db.error());
  auto lock = db.exec(lock_owner, {v.owner});
  if (!lock.ok()) return failed<view_write_result>(lock);
  auto n = db.exec(count_owned, {v.owner});
  if (!n.ok()) return failed<view_write_result>(n);
  view_write_result out;
  if (static_cast<std::uint64_t>(n.i64(0, 0)) >= max_views) {
    out.outcome = view_write::limit;
    return db_result<view_write_result>::success(std::move(out));
  }
  auto w = db.exec(insert_view, write_params(v, now));
  if (!w.ok()) return failed<view_write_result>(w);
  auto c = tx.commit();
  if (!c.ok()) return failed<view_write_result>(c);
  out.row = read_view(w, 0);
  return db_result<view_write_result>::success(std::move(out));
}

db_result<view_write_result>
replace_inbox_view(pg::connection& db, const inbox_view_row& v, std::int64_t now) {
  auto w = db.exec(update_view, write_params(v, now));
  if (!w.ok()) return failed<view_write_result>(w);
  view_write_result out;
  if (w.rows() == 0)
    out.outcome = view_write::not_owned;
  else
    out.row = read_view(w, 0);
  return db_result<view_write_result>::success(std::move(out));
}

db_result<bool> remove_inbox_view(pg::connection& db, const std::string& org,
                                  const std::string& owner, const std::string& id) {
  auto r = db.exec(delete_view, {id, org, owner});
  if (!r.ok()) return failed<bool>(r);
  return db_result<bool>::success(r.rows() == 1);
}

db_result<std::vector<open_count_group>>
count_open_groups(pg::connection& db, const std::string& org, const std::string& viewer) {
  using out_t = std::vector<open_count_group>;
  // Without JIT: the planner prices the messages probe for every row (it cannot
  // see that the CASE rarely reaches it), which puts the statement over
  // jit_above_cost, and compiling it cost more (13 ms at 30k open conversations)
  // than running it. SET LOCAL needs a transaction: two more local round trips.
  pg::transaction tx{db};
  if (!tx.begun()) return db_result<out_t>::failure(db.error());
  auto off = db.exec(no_jit);
  if (!off.ok()) return failed<out_t>(off);
  // Planned per call with its values (not prepared): how many read markers the
  // viewer has decides between hashing them and probing per conversation.
  auto r = db.exec(open_count_groups_sql, {org, viewer});
  if (!r.ok()) return failed<out_t>(r);
  auto c = tx.commit();
  if (!c.ok()) return failed<out_t>(c);
  out_t out;
  for (int i = 0; i < r.rows(); ++i) {
    open_count_group g;
    g.assignee = r.opt_str(i, 0);
    g.team = r.opt_str(i, 1);
    g.unreplied = r.boolean(i, 2);
    auto all = static_cast<std::uint64_t>(r.i64(i, 3));
    auto unread = static_cast<std::uint64_t>(r.i64(i, 4));
    // One group per unread flag, as the rules fold them.
    if (unread > 0) {
      g.unread = true;
      g.n = unread;
      out.push_back(g);
    }
    if (all > unread) {
      g.unread = false;
      g.n = all - unread;
      out.push_back(std::move(g));
    }
  }
  return db_result<out_t>::success(std::move(out));
}

} // namespace parley::storage

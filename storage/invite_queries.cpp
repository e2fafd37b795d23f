#include "storage/invite_queries.hpp"

#include "storage/rows.hpp"

namespace parley::storage {

namespace {

#define PARLEY_INVITATION_COLUMNS                                                        \
  "i.id, i.from_user, i.from_org, i.from_email, coalesce(fu.name, ''), i.to_email,"      \
  " coalesce(i.to_user, ''), coalesce(i.note, ''), i.delivered, i.status,"               \
  " coalesce(i.conv, ''), i.created_at"
#define PARLEY_INVITATION_FROM                                                           \
  " FROM invitations i LEFT JOIN users fu ON fu.id = i.from_user"

// $1 id, $2 from_user, $3 from_org, $4 from_email, $5 to_email, $6 note, $7 now.
// The invitee is a staff user of another org with that email; it is delivered
// unless that user blocked the inviter's email. Whatever happens the row is stored,
// so the inviter's view of it never depends on who exists.
constexpr pg::statement insert_invitation{
    "insert_invitation",
    "WITH target AS ("
    "  SELECT u.id FROM users u"
    "   WHERE u.email IS NOT NULL AND u.email = $5 AND u.org <> $3"
    "     AND u.kind = 'staff'"
    "   ORDER BY u.id LIMIT 1),"
    " ins AS ("
    "  INSERT INTO invitations (id, from_user, from_org, from_email, to_email, to_user,"
    "                           note, delivered, status, created_at, updated_at)"
    "  SELECT $1, $2, $3, $4, $5, t.id, nullif($6, ''),"
    "         t.id IS NOT NULL AND NOT EXISTS ("
    "           SELECT 1 FROM blocks b WHERE b.user_id = t.id AND b.email = $4),"
    "         'pending', $7, $7"
    "  FROM (SELECT 1) one LEFT JOIN target t ON true"
    "  RETURNING *)"
    " SELECT i.id, i.from_user, i.from_org, i.from_email, '', i.to_email,"
    "        coalesce(i.to_user, ''), coalesce(i.note, ''), i.delivered, i.status,"
    "        coalesce(i.conv, ''), i.created_at FROM ins i"};

constexpr pg::statement lock_sent_invitation{
    "lock_sent_invitation", "SELECT " PARLEY_INVITATION_COLUMNS PARLEY_INVITATION_FROM
                            " WHERE i.id = $1 AND i.from_user = $2 FOR UPDATE OF i"};

constexpr pg::statement lock_received_invitation{
    "lock_received_invitation",
    "SELECT " PARLEY_INVITATION_COLUMNS PARLEY_INVITATION_FROM
    " WHERE i.id = $1 AND i.to_user = $2 AND i.delivered FOR UPDATE OF i"};

constexpr pg::statement set_invitation_status{
    "set_invitation_status",
    "UPDATE invitations SET status = $2, updated_at = $3 WHERE id = $1"};

// $1 invitation, $2 conv, $3 now. The conversation belongs to the inviter's org
// and, across orgs, to the invitee's (peer_org); both take part from the start.
constexpr pg::statement create_direct{
    "create_direct",
    "WITH inv AS ("
    "  SELECT i.id, i.from_user, i.to_user, fu.org AS from_org, tu.org AS to_org"
    "  FROM invitations i JOIN users fu ON fu.id = i.from_user"
    "  JOIN users tu ON tu.id = i.to_user WHERE i.id = $1),"
    " conv AS ("
    "  INSERT INTO conversations (id, kind, org, peer_org, created_by, created_at,"
    "                             last_seq, last_ts)"
    "  SELECT $2, 'direct', from_org, nullif(to_org, from_org), from_user, $3, 0, $3"
    "  FROM inv RETURNING id),"
    " parts AS ("
    "  INSERT INTO participants (conv, user_id, added_at, last_ts)"
    "  SELECT c.id, u.user_id, $3, $3 FROM conv c"
    "  CROSS JOIN (SELECT from_user AS user_id FROM inv"
    "              UNION ALL SELECT to_user FROM inv) u"
    "  RETURNING 1)"
    " UPDATE invitations SET status = 'accepted', conv = (SELECT id FROM conv),"
    "   updated_at = $3"
    " WHERE id = $1 AND (SELECT count(*) FROM parts) = 2 RETURNING conv"};

constexpr pg::statement insert_block{
    "insert_block", "INSERT INTO blocks (user_id, email, created_at) VALUES ($1, $2, $3)"
                    " ON CONFLICT (user_id, email) DO NOTHING"};

// A block silences the inviter's every pending invitation to this user.
constexpr pg::statement ignore_from_email{
    "ignore_from_email",
    "UPDATE invitations SET status = 'ignored', updated_at = $3"
    " WHERE to_user = $1 AND from_email = $2 AND status = 'pending'"};

constexpr pg::statement select_sent{
    "select_sent",
    "SELECT " PARLEY_INVITATION_COLUMNS PARLEY_INVITATION_FROM " WHERE i.from_user = $1"
    " ORDER BY i.created_at DESC, i.id DESC LIMIT $2"};

constexpr pg::statement select_received{
    "select_received", "SELECT " PARLEY_INVITATION_COLUMNS PARLEY_INVITATION_FROM
                       " WHERE i.to_user = $1 AND i.delivered AND i.status = 'pending'"
                       " ORDER BY i.created_at DESC, i.id DESC LIMIT $2"};

constexpr pg::statement select_blocks{
    "select_blocks", "SELECT email FROM blocks WHERE user_id = $1 ORDER BY email"};

constexpr pg::statement delete_block{
    "delete_block", "DELETE FROM blocks WHERE user_id = $1 AND email = $2"};

#undef PARLEY_INVITATION_COLUMNS
#undef PARLEY_INVITATION_FROM

invitation read_invitation(const pg::result& r, int i) {
  invitation v;
  v.id = r.str(i, 0);
  v.from_user = r.str(i, 1);
  v.from_org = r.str(i, 2);
  v.from_email = r.str(i, 3);
  v.from_name = r.str(i, 4);
  v.to_email = r.str(i, 5);
  v.to_user = r.str(i, 6);
  v.note = r.str(i, 7);
  v.delivered = r.boolean(i, 8);
  // A status no migration writes reads as revoked: the invitation then acts on nothing.
  v.status = parse_invite_status(r.str(i, 9)).value_or(invite_status::revoked);
  v.conv = r.str(i, 10);
  v.ts = r.i64(i, 11);
  return v;
}

db_result<std::vector<invitation>> read_all(const pg::result& r) {
  if (!r.ok()) return failed<std::vector<invitation>>(r);
  std::vector<invitation> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(read_invitation(r, i));
  return db_result<std::vector<invitation>>::success(std::move(out));
}

/// Sets the status of a locked invitation and commits.
db_result<invite_change> finish(pg::connection& db, pg::transaction& tx,
                                invite_change change, invite_status status,
                                std::int64_t now) {
  auto r = db.exec(set_invitation_status,
                   {change.row.id, to_string(status), std::to_string(now)});
  if (!r.ok()) return failed<invite_change>(r);
  if (auto c = tx.commit(); !c.ok()) return failed<invite_change>(c);
  change.row.status = status;
  change.outcome = invite_outcome::done;
  return db_result<invite_change>::success(std::move(change));
}

db_result<invite_change> answer(invite_outcome outcome, invitation row = {}) {
  invite_change c;
  c.outcome = outcome;
  c.row = std::move(row);
  return db_result<invite_change>::success(std::move(c));
}

/// The invitation `id` of `user`, locked with `lock` in the transaction `tx` has
/// begun: its row, or in `early` what to answer at once (the database failed, or
/// there is no such invitation of this user: not_found).
struct locked_invitation {
  std::optional<invitation> row;
  db_result<invite_change> early;
};

locked_invitation lock_invitation(pg::connection& db, const pg::transaction& tx,
                                  const pg::statement& lock, const std::string& id,
                                  const std::string& user) {
  if (!tx.begun()) return {std::nullopt, db_result<invite_change>::failure(db.error())};
  auto r = db.exec(lock, {id, user});
  if (!r.ok()) return {std::nullopt, failed<invite_change>(r)};
  if (r.rows() == 0) return {std::nullopt, answer(invite_outcome::not_found)};
  return {read_invitation(r, 0), {}};
}

} // namespace

db_result<invitation> create_invitation(pg::connection& db, const new_invitation& n) {
  auto r = db.exec(insert_invitation, {n.id, n.from_user, n.from_org, n.from_email,
                                       n.to_email, n.note, std::to_string(n.ts)});
  if (!r.ok()) return failed<invitation>(r);
  if (r.rows() != 1) return db_result<invitation>::failure("invitation not stored");
  return db_result<invitation>::success(read_invitation(r, 0));
}

db_result<invite_change> revoke_invitation(pg::connection& db, const std::string& id,
                                           const std::string& from_user,
                                           std::int64_t now) {
  pg::transaction tx{db};
  auto locked = lock_invitation(db, tx, lock_sent_invitation, id, from_user);
  if (!locked.row) return std::move(locked.early);
  invite_change change;
  change.row = std::move(*locked.row);
  if (change.row.status == invite_status::accepted)
    return answer(invite_outcome::conflict, std::move(change.row));
  if (change.row.status == invite_status::revoked)
    return answer(invite_outcome::done, std::move(change.row));
  return finish(db, tx, std::move(change), invite_status::revoked, now);
}

db_result<invite_change> accept_invitation(pg::connection& db, const std::string& id,
                                           const std::string& to_user,
                                           const std::string& conv, std::int64_t now) {
  pg::transaction tx{db};
  auto locked = lock_invitation(db, tx, lock_received_invitation, id, to_user);
  if (!locked.row) return std::move(locked.early);
  invite_change change;
  change.row = std::move(*locked.row);
  if (change.row.status == invite_status::accepted)
    return answer(invite_outcome::done, std::move(change.row));
  if (change.row.status != invite_status::pending)
    return answer(invite_outcome::not_found);
  auto made = db.exec(create_direct, {id, conv, std::to_string(now)});
  if (!made.ok()) return failed<invite_change>(made);
  if (made.rows() != 1) return db_result<invite_change>::failure("conversation not made");
  if (auto c = tx.commit(); !c.ok()) return failed<invite_change>(c);
  change.outcome = invite_outcome::done;
  change.created = true;
  change.row.status = invite_status::accepted;
  change.row.conv = conv;
  return db_result<invite_change>::success(std::move(change));
}

db_result<invite_change> ignore_invitation(pg::connection& db, const std::string& id,
                                           const std::string& to_user, bool block,
                                           std::int64_t now) {
  pg::transaction tx{db};
  auto locked = lock_invitation(db, tx, lock_received_invitation, id, to_user);
  if (!locked.row) return std::move(locked.early);
  invite_change change;
  change.row = std::move(*locked.row);
  if (change.row.status == invite_status::accepted)
    return answer(invite_outcome::conflict, std::move(change.row));
  if (change.row.status == invite_status::revoked)
    return answer(invite_outcome::not_found);
  auto ts = std::to_string(now);
  if (block) {
    auto b = db.exec(insert_block, {to_user, change.row.from_email, ts});
    if (!b.ok()) return failed<invite_change>(b);
    auto all = db.exec(ignore_from_email, {to_user, change.row.from_email, ts});
    if (!all.ok()) return failed<invite_change>(all);
  }
  return finish(db, tx, std::move(change), invite_status::ignored, now);
}

db_result<std::vector<invitation>>
sent_invitations(pg::connection& db, const std::string& user, std::uint64_t limit) {
  return read_all(db.exec(select_sent, {user, std::to_string(limit)}));
}

db_result<std::vector<invitation>>
received_invitations(pg::connection& db, const std::string& user, std::uint64_t limit) {
  return read_all(db.exec(select_received, {user, std::to_string(limit)}));
}

db_result<std::vector<std::string>> blocked_emails(pg::connection& db,
                                                   const std::string& user) {
  auto r = db.exec(select_blocks, {user});
  if (!r.ok()) return failed<std::vector<std::string>>(r);
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(r.str(i, 0));
  return db_result<std::vector<std::string>>::success(std::move(out));
}

db_result<bool> unblock_email(pg::connection& db, const std::string& user,
                              const std::string& email) {
  auto r = db.exec(delete_block, {user, email});
  if (!r.ok()) return failed<bool>(r);
  return db_result<bool>::success(true);
}

} // namespace parley::storage

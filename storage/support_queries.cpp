#include "storage/support_queries.hpp"

#include "storage/rows.hpp"

namespace parley::storage {

namespace {

// Nullable bigints travel as a text array cast to bigint[] (NULL elements kept).
pg::param opt_int(const std::optional<std::int64_t>& v) {
  return v ? pg::param{std::to_string(*v)} : std::nullopt;
}

constexpr pg::statement update_support_stmt{
    "update_support",
    "UPDATE conversations c SET contact = v.contact, status = v.status,"
    " assignee = v.assignee, team = v.team, snoozed_until = v.snoozed_until,"
    " last_contact_ts = v.last_contact_ts, unreplied = v.unreplied"
    " FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
    "             $6::bigint[], $7::bigint[], $8::bool[])"
    "      AS v(id, contact, status, assignee, team, snoozed_until, last_contact_ts,"
    "           unreplied)"
    " WHERE c.id = v.id"};

constexpr pg::statement insert_support_events_stmt{
    "insert_support_events",
    "INSERT INTO support_events (conv, seq, assignee, team, from_user, note, until,"
    "                            handoff)"
    " SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[],"
    "                      $6::text[], $7::bigint[], $8::bool[])"};

constexpr pg::statement find_support_stmt{
    "find_support",
    "SELECT id FROM conversations WHERE org = $1 AND contact = $2 AND kind = 'support'"};

constexpr pg::statement due_snoozes_stmt{
    "due_snoozes", "SELECT id FROM conversations WHERE status = 'snoozed'"
                   " AND snoozed_until <= $1 ORDER BY snoozed_until, id LIMIT $2"};

constexpr pg::statement block_stmt{
    "block_contact", "INSERT INTO contact_blocks (contact, org, blocked_by, blocked_at)"
                     " VALUES ($1, $2, $3, $4) ON CONFLICT (contact) DO NOTHING"};

constexpr pg::statement unblock_stmt{"unblock_contact",
                                     "DELETE FROM contact_blocks WHERE contact = $1"};

constexpr pg::statement load_blocks_stmt{
    "load_contact_blocks",
    "SELECT contact, org, blocked_by, blocked_at FROM contact_blocks"};

constexpr pg::statement put_agent_stmt{
    "put_ai_agent", "INSERT INTO ai_agents (user_id, fallback, delay_ms, updated_at)"
                    " VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE"
                    " SET fallback = EXCLUDED.fallback, delay_ms = EXCLUDED.delay_ms,"
                    "     updated_at = EXCLUDED.updated_at"};

constexpr pg::statement clear_rules_stmt{"clear_ai_rules",
                                         "DELETE FROM ai_rules WHERE user_id = $1"};

constexpr pg::statement insert_rule_stmt{
    "insert_ai_rule",
    "INSERT INTO ai_rules (user_id, pos, match, reply) VALUES ($1, $2, $3::text[], $4)"};

constexpr pg::statement load_agents_stmt{
    "load_ai_agents",
    "SELECT user_id, fallback, delay_ms FROM ai_agents ORDER BY user_id"};

constexpr pg::statement load_rules_stmt{
    "load_ai_rules", "SELECT user_id, match, reply FROM ai_rules ORDER BY user_id, pos"};

} // namespace

bool has_support_details(const protocol::message& m) {
  return m.system && m.system->event != "ended";
}

db_result<bool> write_support(pg::connection& db,
                              const std::vector<support_update>& updates,
                              const std::vector<protocol::message>& messages) {
  if (!updates.empty()) {
    std::vector<std::string> id, contact, status;
    std::vector<pg::param> assignee, team, snoozed, last_contact;
    std::vector<bool> unreplied;
    for (const auto& u : updates) {
      id.push_back(u.conv);
      contact.push_back(u.state.contact);
      status.push_back(u.state.status);
      assignee.push_back(u.state.assignee);
      team.push_back(u.state.team);
      snoozed.push_back(opt_int(u.state.snoozed_until));
      last_contact.push_back(opt_int(u.state.last_contact_ts));
      unreplied.push_back(u.state.unreplied);
    }
    auto r = db.exec(update_support_stmt,
                     {pg::text_array(id), pg::text_array(contact), pg::text_array(status),
                      pg::text_array_nullable(assignee), pg::text_array_nullable(team),
                      pg::text_array_nullable(snoozed),
                      pg::text_array_nullable(last_contact), pg::bool_array(unreplied)});
    if (!r.ok()) return failed<bool>(r);
  }
  std::vector<std::string> conv;
  std::vector<std::int64_t> seq;
  std::vector<pg::param> assignee, team, from, note, until;
  std::vector<bool> handoff;
  for (const auto& m : messages) {
    if (!has_support_details(m)) continue;
    const auto& e = *m.system;
    conv.push_back(m.conv);
    seq.push_back(static_cast<std::int64_t>(m.seq));
    assignee.push_back(e.assignee);
    team.push_back(e.team);
    from.push_back(e.from);
    note.push_back(e.note);
    until.push_back(opt_int(e.until));
    handoff.push_back(e.handoff);
  }
  if (conv.empty()) return db_result<bool>::success(true);
  auto r = db.exec(insert_support_events_stmt,
                   {pg::text_array(conv), pg::int_array(seq),
                    pg::text_array_nullable(assignee), pg::text_array_nullable(team),
                    pg::text_array_nullable(from), pg::text_array_nullable(note),
                    pg::text_array_nullable(until), pg::bool_array(handoff)});
  if (!r.ok()) return failed<bool>(r);
  return db_result<bool>::success(true);
}

db_result<std::optional<std::string>>
find_support_conversation(pg::connection& db, const std::string& org,
                          const std::string& contact) {
  using out_t = std::optional<std::string>;
  auto r = db.exec(find_support_stmt, {org, contact});
  if (!r.ok()) return failed<out_t>(r);
  if (r.rows() == 0) return db_result<out_t>::success(std::nullopt);
  return db_result<out_t>::success(r.str(0, 0));
}

db_result<std::vector<std::string>> due_snoozes(pg::connection& db, std::int64_t now,
                                                std::int64_t limit) {
  using out_t = std::vector<std::string>;
  auto r = db.exec(due_snoozes_stmt, {std::to_string(now), std::to_string(limit)});
  if (!r.ok()) return failed<out_t>(r);
  out_t out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(r.str(i, 0));
  return db_result<out_t>::success(std::move(out));
}

db_result<bool> block_contact(pg::connection& db, const contact_block& b) {
  auto r =
      db.exec(block_stmt, {b.contact, b.org, b.blocked_by, std::to_string(b.blocked_at)});
  if (!r.ok()) return failed<bool>(r);
  return db_result<bool>::success(true);
}

db_result<bool> unblock_contact(pg::connection& db, const std::string& contact) {
  auto r = db.exec(unblock_stmt, {contact});
  if (!r.ok()) return failed<bool>(r);
  return db_result<bool>::success(true);
}

db_result<std::vector<contact_block>> load_contact_blocks(pg::connection& db) {
  using out_t = std::vector<contact_block>;
  auto r = db.exec(load_blocks_stmt, {});
  if (!r.ok()) return failed<out_t>(r);
  out_t out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.str(i, 0), r.str(i, 1), r.str(i, 2), r.i64(i, 3)});
  return db_result<out_t>::success(std::move(out));
}

db_result<bool> put_ai_agent(pg::connection& db, const ai_agent_row& a,
                             std::int64_t now) {
  pg::transaction tx{db};
  if (!tx.begun()) return db_result<bool>::failure(db.error());
  auto r = db.exec(put_agent_stmt,
                   {a.user, a.fallback, std::to_string(a.delay_ms), std::to_string(now)});
  if (!r.ok()) return failed<bool>(r);
  r = db.exec(clear_rules_stmt, {a.user});
  if (!r.ok()) return failed<bool>(r);
  for (std::size_t i = 0; i < a.rules.size(); ++i) {
    r = db.exec(insert_rule_stmt, {a.user, std::to_string(i),
                                   pg::text_array(a.rules[i].match), a.rules[i].reply});
    if (!r.ok()) return failed<bool>(r);
  }
  auto c = tx.commit();
  if (!c.ok()) return failed<bool>(c);
  return db_result<bool>::success(true);
}

db_result<std::vector<ai_agent_row>> load_ai_agents(pg::connection& db) {
  using out_t = std::vector<ai_agent_row>;
  auto agents = db.exec(load_agents_stmt, {});
  if (!agents.ok()) return failed<out_t>(agents);
  auto rules = db.exec(load_rules_stmt, {});
  if (!rules.ok()) return failed<out_t>(rules);
  out_t out;
  for (int i = 0; i < agents.rows(); ++i)
    out.push_back({agents.str(i, 0), {}, agents.str(i, 1), agents.i64(i, 2)});
  // Both are ordered by user id: merge.
  std::size_t a = 0;
  for (int i = 0; i < rules.rows(); ++i) {
    auto user = rules.str(i, 0);
    while (a < out.size() && out[a].user < user)
      ++a;
    if (a < out.size() && out[a].user == user)
      out[a].rules.push_back({rules.str_array(i, 1), rules.str(i, 2)});
  }
  return db_result<out_t>::success(std::move(out));
}

} // namespace parley::storage

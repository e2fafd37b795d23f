#include "storage/message_queries.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include "protocol/preview.hpp"
#include "storage/rows.hpp"

namespace parley::storage {

namespace {

// The group-commit statement. Data-modifying CTEs run as one statement, hence one
// transaction and one round trip: new conversations, their participants, the
// messages, and the activity bump of conversations that already existed (a CTE
// cannot see rows inserted by a sibling, so new conversations carry their final
// last_seq/last_ts from the start).
constexpr pg::statement write_batch_stmt{
    "write_batch",
    "WITH new_convs AS ("
    "  INSERT INTO conversations (id, kind, org, company, subject, created_by, "
    "created_at,"
    "                             last_seq, last_ts, create_cid)"
    "  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],"
    "                       $6::text[], $7::bigint[], $8::bigint[], $9::bigint[], "
    "$10::text[])"
    "  RETURNING 1),"
    " new_parts AS ("
    "  INSERT INTO participants (conv, user_id, added_at, last_ts)"
    "  SELECT c, u, t, t FROM unnest($11::text[], $12::text[], $13::bigint[]) AS p(c, u, "
    "t)"
    "  RETURNING 1),"
    " new_msgs AS ("
    "  INSERT INTO messages (conv, seq, ts, author, cid, body, format, reply_to, "
    "mentions,"
    "                        internal, system_event, system_by)"
    "  SELECT conv, seq, ts, author, cid, body, format, reply_to,"
    "         CASE WHEN mentions = '' THEN NULL ELSE string_to_array(mentions, chr(31)) "
    "END,"
    "         internal, system_event, system_by"
    "  FROM unnest($14::text[], $15::bigint[], $16::bigint[], $17::text[], $18::text[],"
    "              $19::text[], $20::text[], $21::bigint[], $22::text[], $23::bool[],"
    "              $27::text[], $28::text[])"
    "       AS m(conv, seq, ts, author, cid, body, format, reply_to, mentions, internal,"
    "            system_event, system_by)"
    "  RETURNING 1),"
    // A batch holding an `ended` system message (conv.end) also ends its
    // conversation, in the same update (one row is updated once per statement).
    " bump AS ("
    "  UPDATE conversations c SET last_seq = greatest(c.last_seq, v.seq),"
    "                             last_ts = greatest(c.last_ts, v.ts),"
    "                             ended_at = CASE WHEN c.ended_at IS NULL AND"
    "                               v.ended_by IS NOT NULL THEN v.ts ELSE c.ended_at END,"
    "                             ended_by = CASE WHEN c.ended_at IS NULL AND"
    "                               v.ended_by IS NOT NULL THEN v.ended_by"
    "                               ELSE c.ended_by END"
    "  FROM unnest($24::text[], $25::bigint[], $26::bigint[], $29::text[])"
    "       AS v(id, seq, ts, ended_by)"
    "  WHERE c.id = v.id"
    "  RETURNING 1),"
    // The coarse per-participant activity of conv.list (migration 003): raised only
    // when it lags by more than 10 s, so busy rooms rarely rewrite these rows.
    " bump_parts AS ("
    "  UPDATE participants p SET last_ts = v.ts"
    "  FROM unnest($24::text[], $26::bigint[]) AS v(id, ts)"
    "  WHERE p.conv = v.id AND p.last_ts < v.ts - " PARLEY_PARTICIPANT_ACTIVITY_SLACK_MS
    "  RETURNING 1),"
    // Read markers (one row per conversation and user), forward only. The unread
    // count reads messages up to each row's upto, all committed before this
    // statement (a conversation's last_seq moves only after its commit), so the
    // statement's snapshot holds them.
    " new_reads AS ("
    "  INSERT INTO read_markers (conv, user_id, seq, updated_at)"
    "  SELECT * FROM unnest($30::text[], $31::text[], $32::bigint[], $35::bigint[])"
    "  ON CONFLICT (conv, user_id) DO UPDATE"
    "  SET seq = greatest(read_markers.seq, EXCLUDED.seq),"
    "      updated_at = EXCLUDED.updated_at"
    "  RETURNING conv, user_id, seq)"
    // Row kind 0 keeps the statement's shape for a batch without reads; each
    // stored marker is a row of kind 1.
    " SELECT 0, (SELECT count(*) FROM new_msgs), (SELECT count(*) FROM bump),"
    "        NULL::text, NULL::text"
    " UNION ALL"
    " SELECT 1, s.seq, " PARLEY_UNREAD(
        "s.conv", "s.user_id", "s.seq", "q.upto",
        "q.staff") ", s.conv, s.user_id"
                   " FROM new_reads s"
                   " JOIN unnest($30::text[], $31::text[], $33::bigint[], $34::bool[])"
                   "      AS q(conv, user_id, upto, staff)"
                   "   ON q.conv = s.conv AND q.user_id = s.user_id"};

// The attachments of a batch's messages (migration 007). Run in the group commit's
// transaction, and only for a batch that has any, so the common write is unchanged.
constexpr pg::statement insert_attachments_stmt{
    "insert_attachments",
    "INSERT INTO message_attachments (conv, seq, pos, blob, name, size, type)"
    " SELECT * FROM unnest($1::text[], $2::bigint[], $3::int[], $4::text[], $5::text[],"
    "                      $6::bigint[], $7::text[])"};

constexpr pg::statement collisions_stmt{
    "find_collisions", "SELECT m.conv, m.author, m.cid, m.seq, m.ts"
                       " FROM messages m"
                       " JOIN unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) "
                       "AS k(conv, author, cid, seq)"
                       "   ON m.conv = k.conv AND ((m.author = k.author AND m.cid = "
                       "k.cid) OR m.seq = k.seq)"};

// The fence of a clustered group commit (migration 014). First the batch's
// existing conversations' rows are locked until the commit, in id order (no
// deadlock between two nodes' writers): a takeover's UPDATE waits for this commit
// and then loads what it wrote. Then, in a new snapshot (read committed) that sees
// any takeover committed before the lock was granted, which of them another node
// has taken over.
constexpr pg::statement lock_owned_stmt{
    "owner_lock", "SELECT c.id FROM conversations c WHERE c.id = ANY($1::text[])"
                  " ORDER BY c.id FOR UPDATE"};

constexpr pg::statement fence_stmt{
    "owner_fence", "SELECT c.id FROM conversations c"
                   " JOIN unnest($1::text[], $2::bigint[]) AS f(id, epoch) ON c.id = f.id"
                   " WHERE c.owner_epoch <> f.epoch"};

constexpr pg::statement take_ownership_stmt{
    "take_ownership", "UPDATE conversations SET owner_epoch = owner_epoch + 1"
                      " WHERE id = $1 RETURNING owner_epoch"};

constexpr pg::statement select_conv{"select_conv",
                                    "SELECT " PARLEY_CONVERSATION_COLUMNS
                                    " FROM conversations c WHERE c.id = $1"};

constexpr pg::statement select_participants{
    "select_participants",
    "SELECT user_id FROM participants WHERE conv = $1 ORDER BY added_at, user_id"};

constexpr pg::statement select_recent_cids{
    "select_recent_cids",
    "SELECT conv, author, cid, seq, ts FROM messages WHERE conv = $1"
    " ORDER BY seq DESC LIMIT $2"};

constexpr pg::statement select_created{
    "select_created",
    "SELECT id FROM conversations WHERE created_by = $1 AND create_cid = $2"};

// Columns 12-13: the system event (migration 006). Column 14: the message's
// attachments flattened to [blob, name, size, type, ...] in order (migration 007);
// an index probe that finds nothing for most messages. Columns 15-20: a support
// system message's details (migration 008).
#define PARLEY_MESSAGE_COLUMNS                                                           \
  "m.conv, m.seq, m.ts, m.author, m.cid, m.body, m.format, m.reply_to, m.mentions,"      \
  " m.internal, r.author, r.body, m.system_event, m.system_by,"                          \
  " ARRAY(SELECT u.e FROM message_attachments a,"                                        \
  "       unnest(ARRAY[a.blob, a.name, a.size::text, a.type]) WITH ORDINALITY u(e, k)"   \
  "       WHERE a.conv = m.conv AND a.seq = m.seq ORDER BY a.pos, u.k),"                 \
  " s.assignee, s.team, s.from_user, s.note, s.until, s.handoff"
#define PARLEY_MESSAGE_FROM                                                              \
  " FROM messages m LEFT JOIN messages r ON r.conv = m.conv AND r.seq = m.reply_to"      \
  " LEFT JOIN support_events s ON m.system_event IS NOT NULL AND s.conv = m.conv"        \
  "                           AND s.seq = m.seq"

constexpr pg::statement select_before{
    "select_before", "SELECT " PARLEY_MESSAGE_COLUMNS PARLEY_MESSAGE_FROM
                     " WHERE m.conv = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3"};

constexpr pg::statement select_after{
    "select_after", "SELECT " PARLEY_MESSAGE_COLUMNS PARLEY_MESSAGE_FROM
                    " WHERE m.conv = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3"};

constexpr pg::statement select_range{
    "select_range", "SELECT " PARLEY_MESSAGE_COLUMNS PARLEY_MESSAGE_FROM
                    " WHERE m.conv = $1 AND m.seq BETWEEN $2 AND $3 ORDER BY m.seq ASC"};

#undef PARLEY_MESSAGE_COLUMNS
#undef PARLEY_MESSAGE_FROM

} // namespace

std::vector<pg::setting> writer_settings() {
  return {{"plan_cache_mode", "force_generic_plan"}, {"enable_seqscan", "off"}};
}

namespace {

std::string str(std::int64_t v) {
  return std::to_string(v);
}
std::string str(std::uint64_t v) {
  return std::to_string(v);
}

protocol::message read_message(const pg::result& r, int i) {
  protocol::message m;
  m.conv = r.str(i, 0);
  m.seq = static_cast<std::uint64_t>(r.i64(i, 1));
  m.ts = r.i64(i, 2);
  m.author = r.str(i, 3);
  m.cid = r.str(i, 4);
  m.body = r.str(i, 5);
  m.format = r.str(i, 6);
  if (!r.null(i, 7)) {
    protocol::reply_ref ref;
    ref.seq = static_cast<std::uint64_t>(r.i64(i, 7));
    if (!r.null(i, 10)) {
      ref.author = r.str(i, 10);
      ref.preview = protocol::cut_preview(r.text(i, 11));
    }
    m.reply_to = std::move(ref);
  }
  m.mentions = r.str_array(i, 8);
  m.internal = r.boolean(i, 9);
  if (!r.null(i, 12)) {
    m.system.emplace();
    m.system->event = r.str(i, 12);
    m.system->by = r.str(i, 13);
    if (!r.null(i, 20)) {
      auto& e = *m.system;
      e.assignee = r.opt_str(i, 15);
      e.team = r.opt_str(i, 16);
      e.from = r.opt_str(i, 17);
      e.note = r.opt_str(i, 18);
      if (!r.null(i, 19)) e.until = r.i64(i, 19);
      e.handoff = r.boolean(i, 20);
    }
  }
  auto atts = r.str_array(i, 14);
  for (std::size_t k = 0; k + 3 < atts.size(); k += 4) {
    protocol::blob_ref a;
    a.blob = std::move(atts[k]);
    a.name = std::move(atts[k + 1]);
    a.size = std::stoull(atts[k + 2]);
    a.type = std::move(atts[k + 3]);
    m.attachments.push_back(std::move(a));
  }
  return m;
}

cid_entry read_cid(const pg::result& r, int i) {
  return cid_entry{r.str(i, 0), r.str(i, 1), r.str(i, 2),
                   static_cast<std::uint64_t>(r.i64(i, 3)), r.i64(i, 4)};
}

} // namespace

db_result<std::vector<read_marker_stored>> write(pg::connection& db,
                                                 const write_batch& batch) {
  using out_t = std::vector<read_marker_stored>;
  // Each column's array is built straight from the rows (no vector of copies per
  // column), in PostgreSQL's binary format: this runs for every group commit.
  using pg::binary_array;
  constexpr auto text = binary_array::element::text;
  constexpr auto int8 = binary_array::element::int8;
  constexpr auto boolean = binary_array::element::boolean;
  binary_array c_id{text}, c_kind{text}, c_org{text}, c_company{text}, c_subject{text},
      c_created_by{text}, c_created_at{int8}, c_last_seq{int8}, c_last_ts{int8},
      c_cid{text};
  binary_array p_conv{text}, p_user{text}, p_at{int8};
  std::unordered_map<std::string_view, bool> is_new;
  for (const auto& nc : batch.creates) {
    const auto& c = nc.conv;
    is_new[c.id] = true;
    c_id.text(c.id);
    c_kind.text(protocol::to_string(c.kind));
    c_org.text(c.org);
    c_company.text_or_null(c.company);
    c_subject.text_or_null(c.subject);
    c_created_by.text(c.created_by);
    c_created_at.integer(c.created_at);
    c_last_seq.integer(static_cast<std::int64_t>(c.last_seq));
    c_last_ts.integer(c.last_ts);
    c_cid.text_or_null(nc.create_cid);
    for (const auto& u : c.participants) {
      p_conv.text(c.id);
      p_user.text(u);
      p_at.integer(c.created_at);
    }
  }
  const auto n = batch.messages.size();
  std::size_t body_bytes = 0;
  for (const auto& m : batch.messages)
    body_bytes += m.body.size() + 4;
  binary_array m_conv{text, n * 36}, m_author{text, n * 20}, m_cid{text, n * 28},
      m_body{text, body_bytes}, m_format{text, n * 12}, m_mentions{text, n * 4},
      m_seq{int8, n * 12}, m_ts{int8, n * 12}, m_reply{int8, n * 4},
      m_internal{boolean, n * 5}, m_system_event{text, n * 4}, m_system_by{text, n * 4};
  std::unordered_map<std::string_view, std::pair<std::int64_t, std::int64_t>>
      newest;                                                      // conv -> seq, ts
  std::unordered_map<std::string_view, std::string_view> ended_by; // conv -> who ended it
  std::string mentions;
  for (const auto& m : batch.messages) {
    m_conv.text(m.conv);
    m_seq.integer(static_cast<std::int64_t>(m.seq));
    m_ts.integer(m.ts);
    m_author.text(m.author);
    m_cid.text(m.cid);
    m_body.text(m.body);
    m_format.text(m.format);
    if (m.reply_to)
      m_reply.integer(static_cast<std::int64_t>(m.reply_to->seq));
    else
      m_reply.null();
    mentions.clear();
    for (std::size_t i = 0; i < m.mentions.size(); ++i) {
      if (i) mentions += '\x1f'; // ids never hold control characters
      mentions += m.mentions[i];
    }
    m_mentions.text(mentions);
    m_internal.boolean(m.internal);
    if (m.system) {
      m_system_event.text(m.system->event);
      m_system_by.text(m.system->by);
      if (m.system->event == "ended") ended_by[m.conv] = m.system->by;
    } else {
      m_system_event.null();
      m_system_by.null();
    }
    if (!is_new.count(m.conv)) {
      auto& last = newest[m.conv];
      last.first = std::max<std::int64_t>(last.first, static_cast<std::int64_t>(m.seq));
      last.second = std::max(last.second, m.ts);
    }
  }
  binary_array b_conv{text}, b_seq{int8}, b_ts{int8}, b_ended_by{text};
  for (const auto& [conv, last] : newest) {
    b_conv.text(conv);
    b_seq.integer(last.first);
    b_ts.integer(last.second);
    auto e = ended_by.find(conv);
    if (e == ended_by.end())
      b_ended_by.null();
    else
      b_ended_by.text(e->second);
  }
  pg::array_literal a_conv, a_blob, a_name, a_type, a_seq, a_pos, a_size;
  bool any_attachment = false;
  for (const auto& m : batch.messages) {
    for (std::size_t i = 0; i < m.attachments.size(); ++i) {
      const auto& a = m.attachments[i];
      any_attachment = true;
      a_conv.text(m.conv);
      a_seq.integer(static_cast<std::int64_t>(m.seq));
      a_pos.integer(static_cast<std::int64_t>(i));
      a_blob.text(a.blob);
      a_name.text(a.name);
      a_size.integer(static_cast<std::int64_t>(a.size));
      a_type.text(a.type);
    }
  }
  binary_array r_conv{text}, r_user{text}, r_seq{int8}, r_upto{int8}, r_staff{boolean},
      r_ts{int8};
  for (const auto& rm : batch.reads) {
    r_conv.text(rm.conv);
    r_user.text(rm.user);
    r_seq.integer(static_cast<std::int64_t>(rm.seq));
    r_upto.integer(static_cast<std::int64_t>(rm.upto));
    r_staff.boolean(rm.sees_internal);
    r_ts.integer(rm.ts);
  }
  // Attachments and support state join the statement's transaction; the common
  // batch (plain messages) stays one statement without BEGIN/COMMIT.
  bool support_details =
      std::any_of(batch.messages.begin(), batch.messages.end(), has_support_details);
  std::optional<pg::transaction> tx;
  if (any_attachment || !batch.supports.empty() || support_details ||
      !batch.fences.empty()) {
    tx.emplace(db);
    if (!tx->begun()) return db_result<out_t>::failure(db.error());
  }
  if (!batch.fences.empty()) {
    pg::array_literal f_conv, f_epoch;
    for (const auto& f : batch.fences) {
      f_conv.text(f.conv);
      f_epoch.integer(static_cast<std::int64_t>(f.epoch));
    }
    auto ids = f_conv;
    auto lock = db.exec(lock_owned_stmt, {std::move(ids).finish()});
    if (!lock.ok()) return failed<out_t>(lock);
    auto f =
        db.exec(fence_stmt, {std::move(f_conv).finish(), std::move(f_epoch).finish()});
    if (!f.ok()) return failed<out_t>(f);
    if (f.rows() > 0) {
      std::string stale;
      for (int i = 0; i < f.rows(); ++i)
        stale += f.str(i, 0) + "\n";
      return db_result<out_t>::failure(std::move(stale), sqlstate_fenced);
    }
  }
  auto r = db.exec_binary(write_batch_stmt, {std::move(c_id).finish(),
                                             std::move(c_kind).finish(),
                                             std::move(c_org).finish(),
                                             std::move(c_company).finish(),
                                             std::move(c_subject).finish(),
                                             std::move(c_created_by).finish(),
                                             std::move(c_created_at).finish(),
                                             std::move(c_last_seq).finish(),
                                             std::move(c_last_ts).finish(),
                                             std::move(c_cid).finish(),
                                             std::move(p_conv).finish(),
                                             std::move(p_user).finish(),
                                             std::move(p_at).finish(),
                                             std::move(m_conv).finish(),
                                             std::move(m_seq).finish(),
                                             std::move(m_ts).finish(),
                                             std::move(m_author).finish(),
                                             std::move(m_cid).finish(),
                                             std::move(m_body).finish(),
                                             std::move(m_format).finish(),
                                             std::move(m_reply).finish(),
                                             std::move(m_mentions).finish(),
                                             std::move(m_internal).finish(),
                                             std::move(b_conv).finish(),
                                             std::move(b_seq).finish(),
                                             std::move(b_ts).finish(),
                                             std::move(m_system_event).finish(),
                                             std::move(m_system_by).finish(),
                                             std::move(b_ended_by).finish(),
                                             std::move(r_conv).finish(),
                                             std::move(r_user).finish(),
                                             std::move(r_seq).finish(),
                                             std::move(r_upto).finish(),
                                             std::move(r_staff).finish(),
                                             std::move(r_ts).finish()});
  if (!r.ok()) return failed<out_t>(r);
  out_t stored;
  stored.reserve(batch.reads.size());
  for (int i = 0; i < r.rows(); ++i)
    if (r.i64(i, 0) == 1)
      stored.push_back({r.str(i, 3), r.str(i, 4), static_cast<std::uint64_t>(r.i64(i, 1)),
                        static_cast<std::uint64_t>(r.i64(i, 2))});
  if (tx) {
    if (any_attachment) {
      auto a = db.exec(insert_attachments_stmt,
                       {std::move(a_conv).finish(), std::move(a_seq).finish(),
                        std::move(a_pos).finish(), std::move(a_blob).finish(),
                        std::move(a_name).finish(), std::move(a_size).finish(),
                        std::move(a_type).finish()});
      if (!a.ok()) return failed<out_t>(a);
    }
    auto s = write_support(db, batch.supports, batch.messages);
    if (!s.ok()) return db_result<out_t>::failure(s.error, s.sqlstate);
    auto c = tx->commit();
    if (!c.ok()) return failed<out_t>(c);
  }
  return db_result<out_t>::success(std::move(stored));
}

db_result<std::vector<cid_entry>>
find_collisions(pg::connection& db, const std::vector<protocol::message>& msgs) {
  std::vector<std::string> conv, author, cid;
  std::vector<std::int64_t> seq;
  for (const auto& m : msgs) {
    conv.push_back(m.conv);
    author.push_back(m.author);
    cid.push_back(m.cid);
    seq.push_back(static_cast<std::int64_t>(m.seq));
  }
  auto r = db.exec(collisions_stmt, {pg::text_array(conv), pg::text_array(author),
                                     pg::text_array(cid), pg::int_array(seq)});
  if (!r.ok()) return failed<std::vector<cid_entry>>(r);
  std::vector<cid_entry> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(read_cid(r, i));
  return db_result<std::vector<cid_entry>>::success(std::move(out));
}

db_result<std::optional<std::uint64_t>> take_ownership(pg::connection& db,
                                                       const std::string& id) {
  using out_t = std::optional<std::uint64_t>;
  auto r = db.exec(take_ownership_stmt, {id});
  if (!r.ok()) return failed<out_t>(r);
  if (r.rows() == 0) return db_result<out_t>::success(std::nullopt);
  return db_result<out_t>::success(static_cast<std::uint64_t>(r.i64(0, 0)));
}

db_result<std::optional<protocol::conversation>>
load_conversation(pg::connection& db, const std::string& id) {
  using out_t = std::optional<protocol::conversation>;
  auto r = db.exec(select_conv, {id});
  if (!r.ok()) return failed<out_t>(r);
  if (r.rows() == 0) return db_result<out_t>::success(std::nullopt);
  auto c = read_conversation(r, 0);
  auto p = db.exec(select_participants, {id});
  if (!p.ok()) return failed<out_t>(p);
  for (int i = 0; i < p.rows(); ++i)
    c.participants.push_back(p.str(i, 0));
  return db_result<out_t>::success(std::move(c));
}

db_result<std::vector<cid_entry>> recent_cids(pg::connection& db, const std::string& conv,
                                              std::int64_t limit) {
  auto r = db.exec(select_recent_cids, {conv, str(limit)});
  if (!r.ok()) return failed<std::vector<cid_entry>>(r);
  std::vector<cid_entry> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(read_cid(r, i));
  return db_result<std::vector<cid_entry>>::success(std::move(out));
}

db_result<std::optional<std::string>> find_created(pg::connection& db,
                                                   const std::string& created_by,
                                                   const std::string& create_cid) {
  auto r = db.exec(select_created, {created_by, create_cid});
  if (!r.ok()) return failed<std::optional<std::string>>(r);
  if (r.rows() == 0) return db_result<std::optional<std::string>>::success(std::nullopt);
  return db_result<std::optional<std::string>>::success(r.str(0, 0));
}

db_result<history_page> history(pg::connection& db, const std::string& conv,
                                std::optional<std::uint64_t> before,
                                std::optional<std::uint64_t> after, std::uint64_t limit) {
  // One row beyond the page tells whether there is more in the direction read.
  auto fetch = str(limit + 1);
  pg::result r;
  if (after)
    r = db.exec(select_after, {conv, str(*after), fetch});
  else
    r = db.exec(
        select_before,
        {conv, str(before.value_or(static_cast<std::uint64_t>(INT64_MAX))), fetch});
  if (!r.ok()) return failed<history_page>(r);
  history_page page;
  int rows = r.rows();
  page.more = static_cast<std::uint64_t>(rows) > limit;
  int take = page.more ? static_cast<int>(limit) : rows;
  page.messages.reserve(take);
  for (int i = 0; i < take; ++i)
    page.messages.push_back(read_message(r, i));
  if (!after) std::reverse(page.messages.begin(), page.messages.end());
  return db_result<history_page>::success(std::move(page));
}

db_result<std::vector<protocol::message>> message_range(pg::connection& db,
                                                        const std::string& conv,
                                                        std::uint64_t from,
                                                        std::uint64_t to) {
  auto r = db.exec(select_range, {conv, str(from), str(to)});
  if (!r.ok()) return failed<std::vector<protocol::message>>(r);
  std::vector<protocol::message> out;
  out.reserve(r.rows());
  for (int i = 0; i < r.rows(); ++i)
    out.push_back(read_message(r, i));
  return db_result<std::vector<protocol::message>>::success(std::move(out));
}

db_result<std::optional<protocol::message>>
find_message(pg::connection& db, const std::string& conv, std::uint64_t seq) {
  auto r = db.exec(select_range, {conv, str(seq), str(seq)});
  if (!r.ok()) return failed<std::optional<protocol::message>>(r);
  if (r.rows() == 0)
    return db_result<std::optional<protocol::message>>::success(std::nullopt);
  return db_result<std::optional<protocol::message>>::success(read_message(r, 0));
}

} // namespace parley::storage

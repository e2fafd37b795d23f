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
    "  RETURNING 1)"
    " SELECT (SELECT count(*) FROM new_msgs), (SELECT count(*) FROM bump)"};

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

db_result<bool> write(pg::connection& db, const write_batch& batch) {
  std::vector<std::string> c_id, c_kind, c_org, c_created_by;
  std::vector<pg::param> c_company, c_subject, c_cid;
  std::vector<std::int64_t> c_created_at, c_last_seq, c_last_ts;
  std::vector<std::string> p_conv, p_user;
  std::vector<std::int64_t> p_at;
  std::unordered_map<std::string, std::pair<std::int64_t, std::int64_t>>
      newest; // conv -> seq, ts
  std::unordered_map<std::string, bool> is_new;
  for (const auto& nc : batch.creates) {
    const auto& c = nc.conv;
    is_new[c.id] = true;
    c_id.push_back(c.id);
    c_kind.emplace_back(protocol::to_string(c.kind));
    c_org.push_back(c.org);
    c_company.push_back(c.company);
    c_subject.push_back(c.subject);
    c_created_by.push_back(c.created_by);
    c_created_at.push_back(c.created_at);
    c_last_seq.push_back(static_cast<std::int64_t>(c.last_seq));
    c_last_ts.push_back(c.last_ts);
    c_cid.push_back(nc.create_cid);
    for (const auto& u : c.participants) {
      p_conv.push_back(c.id);
      p_user.push_back(u);
      p_at.push_back(c.created_at);
    }
  }
  std::vector<std::string> m_conv, m_author, m_cid, m_body, m_format, m_mentions;
  std::vector<std::int64_t> m_seq, m_ts;
  std::vector<pg::param> m_reply;
  std::vector<bool> m_internal;
  std::vector<pg::param> m_system_event, m_system_by;
  std::unordered_map<std::string, std::string> ended_by; // conv -> who ended it
  for (const auto& m : batch.messages) {
    m_conv.push_back(m.conv);
    m_seq.push_back(static_cast<std::int64_t>(m.seq));
    m_ts.push_back(m.ts);
    m_author.push_back(m.author);
    m_cid.push_back(m.cid);
    m_body.push_back(m.body);
    m_format.push_back(m.format);
    m_reply.push_back(m.reply_to ? pg::param{str(m.reply_to->seq)} : std::nullopt);
    std::string mentions;
    for (std::size_t i = 0; i < m.mentions.size(); ++i) {
      if (i) mentions += '\x1f'; // ids never hold control characters
      mentions += m.mentions[i];
    }
    m_mentions.push_back(std::move(mentions));
    m_internal.push_back(m.internal);
    m_system_event.push_back(m.system ? pg::param{m.system->event} : std::nullopt);
    m_system_by.push_back(m.system ? pg::param{m.system->by} : std::nullopt);
    if (m.system && m.system->event == "ended") ended_by[m.conv] = m.system->by;
    if (!is_new.count(m.conv)) {
      auto& n = newest[m.conv];
      n.first = std::max<std::int64_t>(n.first, static_cast<std::int64_t>(m.seq));
      n.second = std::max(n.second, m.ts);
    }
  }
  std::vector<std::string> b_conv;
  std::vector<std::int64_t> b_seq, b_ts;
  std::vector<pg::param> b_ended_by;
  for (const auto& [conv, n] : newest) {
    b_conv.push_back(conv);
    b_seq.push_back(n.first);
    b_ts.push_back(n.second);
    auto e = ended_by.find(conv);
    b_ended_by.push_back(e == ended_by.end() ? std::nullopt : pg::param{e->second});
  }
  std::vector<std::string> a_conv, a_blob, a_name, a_type;
  std::vector<std::int64_t> a_seq, a_pos, a_size;
  for (const auto& m : batch.messages) {
    for (std::size_t i = 0; i < m.attachments.size(); ++i) {
      const auto& a = m.attachments[i];
      a_conv.push_back(m.conv);
      a_seq.push_back(static_cast<std::int64_t>(m.seq));
      a_pos.push_back(static_cast<std::int64_t>(i));
      a_blob.push_back(a.blob);
      a_name.push_back(a.name);
      a_size.push_back(static_cast<std::int64_t>(a.size));
      a_type.push_back(a.type);
    }
  }
  // Attachments and support state join the statement's transaction; the common
  // batch (plain messages) stays one statement without BEGIN/COMMIT.
  bool support_details =
      std::any_of(batch.messages.begin(), batch.messages.end(), has_support_details);
  std::optional<pg::transaction> tx;
  if (!a_conv.empty() || !batch.supports.empty() || support_details) {
    tx.emplace(db);
    if (!tx->begun()) return db_result<bool>::failure(db.error());
  }
  auto r = db.exec(write_batch_stmt, {pg::text_array(c_id),
                                      pg::text_array(c_kind),
                                      pg::text_array(c_org),
                                      pg::text_array_nullable(c_company),
                                      pg::text_array_nullable(c_subject),
                                      pg::text_array(c_created_by),
                                      pg::int_array(c_created_at),
                                      pg::int_array(c_last_seq),
                                      pg::int_array(c_last_ts),
                                      pg::text_array_nullable(c_cid),
                                      pg::text_array(p_conv),
                                      pg::text_array(p_user),
                                      pg::int_array(p_at),
                                      pg::text_array(m_conv),
                                      pg::int_array(m_seq),
                                      pg::int_array(m_ts),
                                      pg::text_array(m_author),
                                      pg::text_array(m_cid),
                                      pg::text_array(m_body),
                                      pg::text_array(m_format),
                                      pg::text_array_nullable(m_reply),
                                      pg::text_array(m_mentions),
                                      pg::bool_array(m_internal),
                                      pg::text_array(b_conv),
                                      pg::int_array(b_seq),
                                      pg::int_array(b_ts),
                                      pg::text_array_nullable(m_system_event),
                                      pg::text_array_nullable(m_system_by),
                                      pg::text_array_nullable(b_ended_by)});
  if (!r.ok()) return failed<bool>(r);
  if (tx) {
    if (!a_conv.empty()) {
      auto a =
          db.exec(insert_attachments_stmt,
                  {pg::text_array(a_conv), pg::int_array(a_seq), pg::int_array(a_pos),
                   pg::text_array(a_blob), pg::text_array(a_name), pg::int_array(a_size),
                   pg::text_array(a_type)});
      if (!a.ok()) return failed<bool>(a);
    }
    auto s = write_support(db, batch.supports, batch.messages);
    if (!s.ok()) return s;
    auto c = tx->commit();
    if (!c.ok()) return failed<bool>(c);
  }
  return db_result<bool>::success(true);
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

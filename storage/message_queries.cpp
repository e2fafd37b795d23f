#include "storage/message_queries.hpp"

#include <algorithm>
#include <array>
#include <initializer_list>
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
//
// It is assembled from three parts, and a batch's statement holds only the parts it
// has rows for (write_shape, write_batch_sql): PostgreSQL sets up every data-modifying
// CTE of a statement on each execution, empty or not (opening the target's indexes, 17 of
// them for conversations, and each unnest), and pg_stat_statements does not count that
// set-up. A lone message, the common batch of a quiet node, needs neither the creates nor
// the read markers (bench/RESULTS.md, "Hot path, round 10"). Each part numbers its
// parameters from $1; the statement renumbers them.

// $1-$10: new conversations; $11-$13: their participants.
constexpr const char* creates_part =
    "new_convs AS ("
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
    "  RETURNING 1)";

// $1-$12: the messages; $13-$16: the newest seq and ts of each existing
// conversation of the batch, and who ended it.
constexpr const char* messages_part =
    "new_msgs AS ("
    "  INSERT INTO messages (conv, seq, ts, author, cid, body, format, reply_to, "
    "mentions,"
    "                        internal, system_event, system_by)"
    "  SELECT conv, seq, ts, author, cid, body, format, reply_to,"
    "         CASE WHEN mentions = '' THEN NULL ELSE string_to_array(mentions, chr(31)) "
    "END,"
    "         internal, system_event, system_by"
    "  FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[],"
    "              $6::text[], $7::text[], $8::bigint[], $9::text[], $10::bool[],"
    "              $11::text[], $12::text[])"
    "       AS m(conv, seq, ts, author, cid, body, format, reply_to, mentions, internal,"
    "            system_event, system_by)"
    "  RETURNING 1),"
    // The exact newest seq and time of each existing conversation (migration 015):
    // a HOT update of a narrow row, or its first insert.
    " activity AS ("
    "  INSERT INTO conversation_activity AS ca (id, last_seq, last_ts)"
    "  SELECT * FROM unnest($13::text[], $14::bigint[], $15::bigint[])"
    "  ON CONFLICT (id) DO UPDATE SET last_seq = greatest(ca.last_seq, "
    "EXCLUDED.last_seq),"
    "                                 last_ts = greatest(ca.last_ts, EXCLUDED.last_ts)"
    "  RETURNING 1),"
    // The indexed copies in conversations, only where an index walks them: support
    // conversations (the inbox) and company-tied ones (conv.list's favourites). A
    // batch holding an `ended` system message (conv.end) also ends its
    // conversation, in the same update (one row is updated once per statement).
    " bump AS ("
    "  UPDATE conversations c SET last_seq = greatest(c.last_seq, v.seq),"
    "                             last_ts = greatest(c.last_ts, v.ts),"
    "                             ended_at = CASE WHEN c.ended_at IS NULL AND"
    "                               v.ended_by IS NOT NULL THEN v.ts ELSE c.ended_at END,"
    "                             ended_by = CASE WHEN c.ended_at IS NULL AND"
    "                               v.ended_by IS NOT NULL THEN v.ended_by"
    "                               ELSE c.ended_by END"
    "  FROM unnest($13::text[], $14::bigint[], $15::bigint[], $16::text[])"
    "       AS v(id, seq, ts, ended_by)"
    "  WHERE c.id = v.id AND (c.kind = 'support' OR c.company IS NOT NULL"
    "                         OR v.ended_by IS NOT NULL)"
    "  RETURNING 1),"
    // The coarse per-participant activity of conv.list (migration 003): raised only
    // when it lags by more than 10 s, so busy rooms rarely rewrite these rows.
    " bump_parts AS ("
    "  UPDATE participants p SET last_ts = v.ts"
    "  FROM unnest($13::text[], $15::bigint[]) AS v(id, ts)"
    "  WHERE p.conv = v.id AND p.last_ts < v.ts - " PARLEY_PARTICIPANT_ACTIVITY_SLACK_MS
    "  RETURNING 1)";

// Read markers (one row per conversation and user), forward only: $1 conv, $2 user,
// $3 seq, $4 upto, $5 staff, $6 ts.
constexpr const char* reads_part =
    "new_reads AS ("
    "  INSERT INTO read_markers (conv, user_id, seq, updated_at)"
    "  SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $6::bigint[])"
    "  ON CONFLICT (conv, user_id) DO UPDATE"
    "  SET seq = greatest(read_markers.seq, EXCLUDED.seq),"
    "      updated_at = EXCLUDED.updated_at"
    "  RETURNING conv, user_id, seq)";

// Each stored marker is a row of kind 1. The unread count reads messages up to
// each row's upto, all committed before this statement (a conversation's last_seq
// moves only after its commit), so the statement's snapshot holds them.
constexpr const char* reads_rows = " SELECT 1, s.seq, " PARLEY_UNREAD(
    "s.conv", "s.user_id", "s.seq", "q.upto",
    "q.staff") ", s.conv, s.user_id"
               " FROM new_reads s"
               " JOIN unnest($1::text[], $2::text[], $4::bigint[], $5::bool[])"
               "      AS q(conv, user_id, upto, staff)"
               "   ON q.conv = s.conv AND q.user_id = s.user_id";

// A batch without read markers answers one row of kind 0.
constexpr const char* no_rows = " SELECT 0, 0::bigint, 0::bigint, NULL::text, NULL::text";

/// Appends `part` to `out` with each parameter $N renumbered $(N + offset).
void append_renumbered(std::string& out, std::string_view part, int offset) {
  for (std::size_t i = 0; i < part.size(); ++i) {
    out += part[i];
    if (part[i] != '$') continue;
    int n = 0;
    std::size_t j = i + 1;
    for (; j < part.size() && part[j] >= '0' && part[j] <= '9'; ++j)
      n = n * 10 + (part[j] - '0');
    if (j == i + 1) continue;
    out += std::to_string(n + offset);
    i = j - 1;
  }
}

constexpr int creates_params = 13;
constexpr int messages_params = 16;
constexpr int reads_params = 6;

/// The prepared group commit of each shape, by write_shape::index().
const std::array<std::pair<std::string, std::string>, 8>& write_batch_statements() {
  static const auto all = [] {
    std::array<std::pair<std::string, std::string>, 8> out;
    for (unsigned i = 0; i < out.size(); ++i) {
      write_shape shape{(i & 1) != 0, (i & 2) != 0, (i & 4) != 0};
      out[i] = {"write_batch_" + std::to_string(i), write_batch_sql(shape)};
    }
    return out;
  }();
  return all;
}

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
                                    " FROM conversations c" PARLEY_CONVERSATION_ACTIVITY
                                    " WHERE c.id = $1"};

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

std::string write_batch_sql(write_shape shape) {
  std::string sql;
  int next = 0;
  auto cte = [&](const char* part, int params) {
    sql += sql.empty() ? "WITH " : ", ";
    append_renumbered(sql, part, next);
    next += params;
  };
  if (shape.creates) cte(creates_part, creates_params);
  if (shape.messages) cte(messages_part, messages_params);
  if (shape.reads) {
    auto first = next;
    cte(reads_part, reads_params);
    append_renumbered(sql, reads_rows, first);
  } else {
    sql += no_rows;
  }
  return sql;
}

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
  write_shape shape{!batch.creates.empty(), !batch.messages.empty(),
                    !batch.reads.empty()};
  std::vector<std::string> params;
  params.reserve(creates_params + messages_params + reads_params);
  auto add = [&params](std::initializer_list<binary_array*> arrays) {
    for (auto* a : arrays)
      params.push_back(std::move(*a).finish());
  };
  if (shape.creates)
    add({&c_id, &c_kind, &c_org, &c_company, &c_subject, &c_created_by, &c_created_at,
         &c_last_seq, &c_last_ts, &c_cid, &p_conv, &p_user, &p_at});
  if (shape.messages)
    add({&m_conv, &m_seq, &m_ts, &m_author, &m_cid, &m_body, &m_format, &m_reply,
         &m_mentions, &m_internal, &m_system_event, &m_system_by, &b_conv, &b_seq, &b_ts,
         &b_ended_by});
  if (shape.reads) add({&r_conv, &r_user, &r_seq, &r_upto, &r_staff, &r_ts});
  const auto& [name, sql] = write_batch_statements()[shape.index()];
  auto r = db.exec_binary(pg::statement{name.c_str(), sql.c_str()}, params);
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

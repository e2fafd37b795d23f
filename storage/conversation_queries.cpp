#include "storage/conversation_queries.hpp"

#include <limits>
#include <unordered_map>

#include "storage/rows.hpp"

namespace parley::storage {

namespace {

// $1 user, $2 org, $3 full staff, $4 the client's company (NULL for non-clients),
// $5/$6 cursor (last_ts, id; the first page passes the largest possible), $7 rows
// wanted. The cursor is always given so that the row comparison is an index
// condition in every plan (an `IS NULL OR` turns it into a filter in generic plans).
#define PARLEY_AFTER_CURSOR " AND (c.last_ts, c.id) < ($5::bigint, $6::text)"
// The same on the exact activity (migration 015), for conversations reached through
// participants: their conversations.last_ts may be older than their activity.
#define PARLEY_AFTER_CURSOR_EXACT                                                        \
  " AND (" PARLEY_EXACT_LAST_TS ", c.id) < ($5::bigint, $6::text)"
#define PARLEY_NEWEST " ORDER BY c.last_ts DESC, c.id DESC"
// Which participations count: the viewer's own (of its org or, for cross-org direct
// conversations, its org as the peer; a client only in its own company's), and a
// favouring client's (its company's company conversations).
#define PARLEY_MINE                                                                      \
  " AND (c.org = $2 OR c.peer_org = $2)"                                                 \
  " AND ($4::text IS NULL OR c.company IS NULL OR c.company = $4)"
#define PARLEY_SHARED " AND c.company = $4 AND c.kind = 'company'"

// Reading participations in activity order: participants.last_ts is a coarse copy
// of the conversation's (coarse <= exact < coarse + slack). For one user, walk its
// participations by coarse activity to the $7-th that qualifies (its coarse time is
// the floor); every conversation of the exact top $7 has a coarse time within the
// slack below that floor, so reading [floor - slack, cursor] and ordering by the
// exact time gives the exact page while reading about $7 rows however many
// conversations the user takes part in.
// Each participation's conversation is read by its primary key inside a LATERAL
// subquery with OFFSET 0, which the planner cannot flatten into a join and reorder:
// every plan starts from the participations, with or without statistics. In a
// database autovacuum has not analysed yet (a new deployment's first minutes) the
// plain join was estimated at one row of the org and planned as a scan of the
// org's conversations once per participation: 2.3 ms per call instead of 0.24
// (bench/RESULTS.md, "Round 8").
constexpr pg::statement select_readable{
    "select_readable",
    "WITH"
    // 1. Conversations the user takes part in (a client only in its own company's),
    //    of its org or, for cross-org direct conversations, its org as the peer.
    " mine AS MATERIALIZED ("
    "  SELECT c.id, c.last_ts FROM participants p"
    "   CROSS JOIN LATERAL (SELECT c.id, " PARLEY_EXACT_LAST_TS " AS last_ts"
    "    FROM conversations c" PARLEY_CONVERSATION_ACTIVITY
    "    WHERE c.id = p.conv" PARLEY_MINE PARLEY_AFTER_CURSOR_EXACT " OFFSET 0) c"
    "   WHERE p.user_id = $1 AND p.last_ts <= $5::bigint AND p.last_ts >= ("
    "      SELECT coalesce(min(w.coarse), 9223372036854775807) "
    "- " PARLEY_PARTICIPANT_ACTIVITY_SLACK_MS
    "      FROM (SELECT p2.last_ts AS coarse FROM participants p2"
    "             CROSS JOIN LATERAL (SELECT 1 FROM conversations "
    "c" PARLEY_CONVERSATION_ACTIVITY
    " WHERE c.id = p2.conv" PARLEY_MINE PARLEY_AFTER_CURSOR_EXACT " OFFSET 0) c2"
    "            WHERE p2.user_id = $1 AND p2.last_ts <= $5::bigint"
    "            ORDER BY p2.last_ts DESC LIMIT $7) w)),"
    // 3. For a client with its company in favourites: the company conversations in
    //    which a favouring client of the company takes part, read the same way per
    //    favouring client (each with its own floor).
    " fav_clients AS MATERIALIZED ("
    "  SELECT u.id FROM users u JOIN favorites f ON f.user_id = u.id AND f.company = $4"
    "   WHERE $4::text IS NOT NULL AND u.kind = 'client' AND u.company = $4"
    "     AND EXISTS (SELECT 1 FROM favorites f2 WHERE f2.user_id = $1 AND f2.company = "
    "$4)),"
    " shared AS MATERIALIZED ("
    "  SELECT DISTINCT c.id, c.last_ts FROM fav_clients fc"
    "   CROSS JOIN LATERAL ("
    "    SELECT coalesce(min(w.coarse), 9223372036854775807) "
    "- " PARLEY_PARTICIPANT_ACTIVITY_SLACK_MS " AS floor"
    "    FROM (SELECT p2.last_ts AS coarse FROM participants p2"
    "           CROSS JOIN LATERAL (SELECT 1 FROM conversations "
    "c" PARLEY_CONVERSATION_ACTIVITY
    " WHERE c.id = p2.conv" PARLEY_SHARED PARLEY_AFTER_CURSOR_EXACT " OFFSET 0) c2"
    "          WHERE p2.user_id = fc.id AND p2.last_ts <= $5::bigint"
    "          ORDER BY p2.last_ts DESC LIMIT $7) w) f"
    "   JOIN participants p ON p.user_id = fc.id AND p.last_ts <= $5::bigint"
    "                      AND p.last_ts >= f.floor"
    "   CROSS JOIN LATERAL (SELECT c.id, " PARLEY_EXACT_LAST_TS " AS last_ts"
    "    FROM conversations c" PARLEY_CONVERSATION_ACTIVITY
    "    WHERE c.id = p.conv" PARLEY_SHARED PARLEY_AFTER_CURSOR_EXACT " OFFSET 0) c),"
    " cand AS ("
    " (SELECT id, last_ts FROM mine ORDER BY last_ts DESC, id DESC LIMIT $7)"
    // 2. Staff: company-tied conversations of each favourite company, one LIMITed
    //    index walk per favourite.
    " UNION"
    " (SELECT x.id, x.last_ts FROM favorites f CROSS JOIN LATERAL ("
    "    SELECT c.id, c.last_ts FROM conversations c"
    "     WHERE c.company = f.company AND c.org = $2"
    "       AND c.kind IN ('company', 'confidential')" PARLEY_AFTER_CURSOR PARLEY_NEWEST
    "     LIMIT $7"
    "  ) x WHERE $3 AND f.user_id = $1)"
    " UNION"
    " (SELECT id, last_ts FROM shared ORDER BY last_ts DESC, id DESC LIMIT $7)"
    // 4. Staff: the org's support inbox.
    " UNION"
    " (SELECT c.id, c.last_ts FROM conversations c"
    "   WHERE $3 AND c.org = $2 AND c.kind = 'support'" PARLEY_AFTER_CURSOR PARLEY_NEWEST
    "   LIMIT $7)"
    ")"
    " SELECT " PARLEY_CONVERSATION_COLUMNS
    " FROM (SELECT id, last_ts FROM cand ORDER BY last_ts DESC, id DESC LIMIT $7) page"
    " CROSS JOIN LATERAL (SELECT * FROM conversations c WHERE c.id = page.id OFFSET 0) "
    "c" PARLEY_CONVERSATION_ACTIVITY " ORDER BY page.last_ts DESC, page.id DESC"};

#undef PARLEY_AFTER_CURSOR
#undef PARLEY_AFTER_CURSOR_EXACT
#undef PARLEY_NEWEST
#undef PARLEY_MINE
#undef PARLEY_SHARED

constexpr pg::statement select_participants_of{
    "select_participants_of",
    "SELECT conv, user_id FROM participants WHERE conv = ANY($1::text[])"
    " ORDER BY added_at, user_id"};

// A new participant starts with everything before it read (its read marker at the
// conversation's last seq), so joining does not bring a backlog of unread messages.
constexpr pg::statement insert_participants{
    "insert_participants",
    "WITH added AS ("
    "  INSERT INTO participants (conv, user_id, added_at, last_ts)"
    "  SELECT $1, u, $3, " PARLEY_EXACT_LAST_TS " FROM unnest($2::text[]) AS u"
    "  JOIN conversations c ON c.id = $1" PARLEY_CONVERSATION_ACTIVITY
    "  ON CONFLICT DO NOTHING RETURNING user_id)"
    " INSERT INTO read_markers (conv, user_id, seq, updated_at)"
    " SELECT $1, a.user_id, " PARLEY_EXACT_LAST_SEQ ", $3 FROM added a"
    " JOIN conversations c ON c.id = $1" PARLEY_CONVERSATION_ACTIVITY
    " ON CONFLICT (conv, user_id) DO UPDATE"
    " SET seq = greatest(read_markers.seq, EXCLUDED.seq)"};

constexpr pg::statement delete_participants{
    "delete_participants",
    "DELETE FROM participants WHERE conv = $1 AND user_id = ANY($2::text[])"};

} // namespace

db_result<conversation_page> list_readable(pg::connection& db, const list_viewer& who,
                                           std::optional<std::int64_t> cursor_ts,
                                           const std::string& cursor_id,
                                           std::uint64_t limit) {
  // The first page starts after the largest possible position.
  auto ts = std::to_string(cursor_ts.value_or(std::numeric_limits<std::int64_t>::max()));
  auto r = db.exec(select_readable,
                   {who.user, who.org, who.full_staff ? "t" : "f", who.client_of, ts,
                    cursor_ts ? cursor_id : "", std::to_string(limit + 1)});
  if (!r.ok()) return failed<conversation_page>(r);
  conversation_page page;
  int rows = r.rows();
  page.more = static_cast<std::uint64_t>(rows) > limit;
  int take = page.more ? static_cast<int>(limit) : rows;
  std::vector<std::string> ids;
  std::unordered_map<std::string, std::size_t> index;
  for (int i = 0; i < take; ++i) {
    page.items.push_back(read_conversation(r, i));
    index[page.items.back().id] = page.items.size() - 1;
    ids.push_back(page.items.back().id);
  }
  if (!page.items.empty()) {
    page.last_ts = page.items.back().last_ts;
    page.last_id = page.items.back().id;
    auto p = db.exec(select_participants_of, {pg::text_array(ids)});
    if (!p.ok()) return failed<conversation_page>(p);
    for (int i = 0; i < p.rows(); ++i)
      page.items[index[p.str(i, 0)]].participants.push_back(p.str(i, 1));
  }
  return db_result<conversation_page>::success(std::move(page));
}

db_result<bool> add_participants(pg::connection& db, const std::string& conv,
                                 const std::vector<std::string>& users,
                                 std::int64_t now) {
  auto r =
      db.exec(insert_participants, {conv, pg::text_array(users), std::to_string(now)});
  if (!r.ok()) return failed<bool>(r);
  return db_result<bool>::success(true);
}

db_result<bool> remove_participants(pg::connection& db, const std::string& conv,
                                    const std::vector<std::string>& users) {
  auto r = db.exec(delete_participants, {conv, pg::text_array(users)});
  if (!r.ok()) return failed<bool>(r);
  return db_result<bool>::success(true);
}

} // namespace parley::storage

#include "storage/search_queries.hpp"

#include <algorithm>
#include <unordered_map>

#include "storage/rows.hpp"

namespace parley::storage {

namespace {

// The user's text becomes a tsquery only through websearch_to_tsquery (words,
// "quoted phrases", `or`, `-excluded`; it never fails on any input). A query with
// no word (numnode 0) or with nothing an index can look up (querytree 'T': only
// excluded words, which would read every row) matches nothing.
#define PARLEY_QUERY "websearch_to_tsquery('simple'::regconfig, $1::text)"
#define PARLEY_SEARCHABLE                                                                \
  " numnode(" PARLEY_QUERY ") > 0 AND querytree(" PARLEY_QUERY ") <> 'T'"

// Message search: $1 q, $2 user, $3 org, $4 full staff, $5 the client's company
// (NULL for non-clients), $6 internal, $7 rows wanted, $8 the one conversation
// (conv-restricted statement only).
//
// The tsvector expression and the predicate are those of the partial index
// messages_search (migration 013: the body without the tokens of 2047 bytes or more
// that to_tsvector ignores with a NOTICE each), so the match is an index lookup.
#define PARLEY_MESSAGE_MATCH                                                             \
  " m.system_event IS NULL AND m.body <> ''"                                             \
  " AND to_tsvector('simple'::regconfig, parley_search_text(m.body)) @@ " PARLEY_QUERY   \
  " AND " PARLEY_SEARCHABLE " AND m.internal = $6::boolean"

// What the caller may read, as a condition on conversation `c`: the branches of
// conversation_queries.cpp's list_readable (conv.list), written as a predicate
// because search starts from the matching messages, not from activity order.
//  1. conversations it takes part in (a client only in its own company's), of its
//     org or, for cross-org direct conversations, its org as the peer;
//  2. full staff: company-tied conversations of its favourite companies;
//  3. a client favouring its company: the company conversations in which a
//     favouring client of the company takes part;
//  4. full staff: the org's support conversations.
#define PARLEY_READABLE                                                                  \
  " (((c.org = $3 OR c.peer_org = $3)"                                                   \
  "    AND ($5::text IS NULL OR c.company IS NULL OR c.company = $5)"                    \
  "    AND EXISTS (SELECT 1 FROM participants p"                                         \
  "                 WHERE p.conv = c.id AND p.user_id = $2))"                            \
  "  OR ($4::boolean AND c.org = $3 AND c.kind IN ('company', 'confidential')"           \
  "      AND EXISTS (SELECT 1 FROM favorites f"                                          \
  "                   WHERE f.user_id = $2 AND f.company = c.company))"                  \
  "  OR ($5::text IS NOT NULL AND c.org = $3 AND c.kind = 'company'"                     \
  "      AND c.company = $5"                                                             \
  "      AND EXISTS (SELECT 1 FROM favorites f WHERE f.user_id = $2 AND f.company = $5)" \
  "      AND EXISTS (SELECT 1 FROM participants p JOIN users u ON u.id = p.user_id"      \
  "                   JOIN favorites f ON f.user_id = u.id AND f.company = $5"           \
  "                   WHERE p.conv = c.id AND u.kind = 'client' AND u.company = $5))"    \
  "  OR ($4::boolean AND c.org = $3 AND c.kind = 'support'))"

// ts_headline runs on the page only (it re-parses each body). Bodies lose any STX
// or ETX first, so the only ones in a snippet are the markers, and then their
// over-long tokens (ts_headline would NOTICE each too).
#define PARLEY_HEADLINE                                                                  \
  "SELECT h.conv, h.seq, h.ts,"                                                          \
  " ts_headline('simple'::regconfig,"                                                    \
  "             parley_search_text(translate(h.body, E'\\x02\\x03', '')),"               \
  "             " PARLEY_QUERY                                                           \
  ", E'StartSel=\\x02, StopSel=\\x03, MaxWords=30, MinWords=12')"                        \
  " FROM hits h ORDER BY h.ts DESC, h.conv DESC, h.seq DESC"

#define PARLEY_NEWEST_HITS " ORDER BY m.ts DESC, m.conv DESC, m.seq DESC LIMIT $7"

constexpr pg::statement select_message_hits{
    "select_message_hits",
    "WITH hits AS ("
    " SELECT m.conv, m.seq, m.ts, m.body FROM messages m"
    " JOIN conversations c ON c.id = m.conv"
    " WHERE" PARLEY_MESSAGE_MATCH " AND" PARLEY_READABLE PARLEY_NEWEST_HITS
    ") " PARLEY_HEADLINE};

// The same within one conversation (its own statement, so the plan can start from
// the conversation's rows when that is cheaper).
constexpr pg::statement select_message_hits_in{
    "select_message_hits_in",
    "WITH hits AS ("
    " SELECT m.conv, m.seq, m.ts, m.body FROM messages m"
    " JOIN conversations c ON c.id = m.conv"
    " WHERE m.conv = $8 AND" PARLEY_MESSAGE_MATCH
    " AND" PARLEY_READABLE PARLEY_NEWEST_HITS ") " PARLEY_HEADLINE};

constexpr pg::statement select_search_conversations{
    "select_search_conversations",
    "SELECT " PARLEY_CONVERSATION_COLUMNS
    " FROM conversations c" PARLEY_CONVERSATION_ACTIVITY " WHERE c.id = ANY($1::text[])"};

constexpr pg::statement select_search_participants{
    "select_search_participants",
    "SELECT conv, user_id FROM participants WHERE conv = ANY($1::text[])"
    " ORDER BY added_at, user_id"};

// Contacts: $1 q, $2 org, $3 rows wanted. The tsvector expression and predicate
// are those of the partial index users_contact_search (migration 009).
constexpr pg::statement select_contact_hits{
    "select_contact_hits",
    "SELECT u.id, u.name, u.email FROM users u"
    " WHERE u.kind = 'contact' AND u.org = $2 AND" PARLEY_SEARCHABLE
    " AND to_tsvector('simple'::regconfig, u.name || ' ' || coalesce(u.email, '') || ' '"
    "     || replace(coalesce(u.email, ''), '@', ' ')) @@ " PARLEY_QUERY
    " ORDER BY u.updated_at DESC, u.id DESC LIMIT $3"};

#undef PARLEY_QUERY
#undef PARLEY_SEARCHABLE
#undef PARLEY_MESSAGE_MATCH
#undef PARLEY_READABLE
#undef PARLEY_HEADLINE
#undef PARLEY_NEWEST_HITS

} // namespace

db_result<message_search> search_messages(pg::connection& db, const search_viewer& who,
                                          const std::string& q, bool internal,
                                          const std::optional<std::string>& conv,
                                          std::uint64_t limit) {
  message_search out;
  std::vector<std::string> ids;
  if (conv) ids.push_back(*conv);
  if (!q.empty()) {
    std::vector<pg::param> params{q,
                                  who.user,
                                  who.org,
                                  who.full_staff ? "t" : "f",
                                  who.client_of,
                                  internal ? "t" : "f",
                                  std::to_string(limit)};
    if (conv) params.push_back(*conv);
    auto r = db.exec(conv ? select_message_hits_in : select_message_hits, params);
    if (!r.ok()) return failed<message_search>(r);
    for (int i = 0; i < r.rows(); ++i) {
      out.hits.push_back({r.str(i, 0), r.i64(i, 1), r.i64(i, 2), r.str(i, 3)});
      if (std::find(ids.begin(), ids.end(), out.hits.back().conv) == ids.end())
        ids.push_back(out.hits.back().conv);
    }
  }
  if (ids.empty()) return db_result<message_search>::success(std::move(out));
  // The conversations of the hits, with participants, for the caller's rule check.
  auto cs = db.exec(select_search_conversations, {pg::text_array(ids)});
  if (!cs.ok()) return failed<message_search>(cs);
  std::unordered_map<std::string, std::size_t> index;
  for (int i = 0; i < cs.rows(); ++i) {
    out.convs.push_back(read_conversation(cs, i));
    index[out.convs.back().id] = out.convs.size() - 1;
  }
  if (out.convs.empty()) return db_result<message_search>::success(std::move(out));
  auto ps = db.exec(select_search_participants, {pg::text_array(ids)});
  if (!ps.ok()) return failed<message_search>(ps);
  for (int i = 0; i < ps.rows(); ++i)
    if (auto c = index.find(ps.str(i, 0)); c != index.end())
      out.convs[c->second].participants.push_back(ps.str(i, 1));
  return db_result<message_search>::success(std::move(out));
}

db_result<std::vector<contact_hit>> search_contacts(pg::connection& db,
                                                    const std::string& org,
                                                    const std::string& q,
                                                    std::uint64_t limit) {
  auto r = db.exec(select_contact_hits, {q, org, std::to_string(limit)});
  if (!r.ok()) return failed<std::vector<contact_hit>>(r);
  std::vector<contact_hit> out;
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.str(i, 0), r.str(i, 1), r.opt_str(i, 2)});
  return db_result<std::vector<contact_hit>>::success(std::move(out));
}

} // namespace parley::storage

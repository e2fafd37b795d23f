#include "storage/inbox_queries.hpp"

#include <limits>
#include <unordered_map>

#include "storage/rows.hpp"

namespace parley::storage {

namespace {

constexpr pg::statement select_inbox_participants{
    "select_inbox_participants",
    "SELECT conv, user_id FROM participants WHERE conv = ANY($1::text[])"
    " ORDER BY added_at, user_id"};

/// The statement of one query shape, assembled from fixed fragments; every value is
/// a parameter. Not a prepared statement: each call is planned with its values, so
/// the planner sees the view's selectivity and the cursor's bounds (a generic plan
/// would turn the optional conditions into filters over a whole walk).
class builder {
public:
  std::string sql;
  std::vector<pg::param> params;

  /// Adds a parameter; returns its placeholder.
  std::string param(std::string value, const char* cast) {
    params.push_back(std::move(value));
    // Appended, not `"$" + ...`: GCC 12 at -O3 reports that concatenation as an
    // overlapping memcpy (-Wrestrict, a false positive) in the Release build.
    std::string placeholder{"$"};
    placeholder += std::to_string(params.size());
    placeholder += "::";
    placeholder += cast;
    return placeholder;
  }
};

/// The sort key of one walk: a column and its direction.
struct walk {
  const char* key;   // "c.last_ts", "c.last_contact_ts" or nullptr (id only)
  bool descending;   // key descending (ids always ascending)
  const char* which; // the part's own condition ("" : none)
  int part;          // the part's place in the order
  bool blocked;      // walk blocked_convs instead of conversations
};

/// The conditions every walk shares: org, kind, view and filters.
std::string common_conditions(builder& b, const inbox_query& q, const std::string& org) {
  std::string w = " WHERE c.org = " + org + " AND c.kind = 'support'";
  switch (q.view) {
  case inbox_view::all:
  case inbox_view::blocked:
    break;
  case inbox_view::mine:
    w += " AND c.assignee = " + b.param(q.viewer, "text");
    break;
  case inbox_view::unassigned:
    w += " AND c.assignee IS NULL";
    break;
  case inbox_view::team:
    w += " AND c.team = " + b.param(q.team, "text");
    break;
  }
  // The blocked view reads blocked_convs (see inbox_sql); the others leave blocked
  // contacts out.
  if (q.view != inbox_view::blocked)
    w += " AND NOT EXISTS (SELECT 1 FROM contact_blocks k WHERE k.contact = c.contact)";
  if (q.status) w += " AND c.status = " + b.param(*q.status, "text");
  // Literal, so that the planner matches the partial indexes' predicates.
  if (q.unreplied) w += *q.unreplied ? " AND c.unreplied" : " AND NOT c.unreplied";
  return w;
}

/// One index walk: the part's rows after the cursor, in order, at most `limit`.
std::string walk_sql(builder& b, const walk& wk, const std::string& common,
                     const std::optional<inbox_position>& after, const std::string& lim) {
  std::string s = "(SELECT c.id, " + std::to_string(wk.part) + " AS part, ";
  s += wk.key ? std::string{wk.key} : "NULL::bigint";
  s += " AS key FROM ";
  s += wk.blocked ? "blocked_convs c" : "conversations c";
  s += common + wk.which;
  if (after) {
    auto id = b.param(after->id, "text");
    if (!wk.key) {
      s += " AND c.id > " + id;
    } else {
      // A keyless cursor has no place in a keyed part (the rules never make one):
      // it reads as the start of the part rather than as undefined.
      auto key = b.param(std::to_string(after->key.value_or(
                             wk.descending ? std::numeric_limits<std::int64_t>::max()
                                           : std::numeric_limits<std::int64_t>::min())),
                         "bigint");
      std::string k{wk.key};
      // A row comparison is one index bound; descending keys with ascending ids are
      // bounded by the key and the rows of the cursor's own key filtered by id.
      if (wk.descending)
        s += " AND " + k + " <= " + key + " AND (" + k + " < " + key + " OR c.id > " +
             id + ")";
      else
        s += " AND (" + k + ", c.id) > (" + key + ", " + id + ")";
    }
  }
  s += " ORDER BY ";
  if (wk.key) s += std::string{wk.key} + (wk.descending ? " DESC, " : ", ");
  s += "c.id LIMIT " + lim + ")";
  return s;
}

constexpr const char* waiting_part = " AND c.unreplied AND c.last_contact_ts IS NOT NULL";
constexpr const char* idle_part = " AND (NOT c.unreplied OR c.last_contact_ts IS NULL)";
// The idle part of an `unreplied: true` query: (almost) never a row, read through
// its own (almost) empty index instead of a filter over every idle conversation.
constexpr const char* idle_unreplied_part = " AND c.last_contact_ts IS NULL";

} // namespace

inbox_statement inbox_sql(const inbox_query& q) {
  builder b;
  auto org = b.param(q.org, "text");
  auto lim = b.param(std::to_string(q.limit + 1), "bigint");
  auto common = common_conditions(b, q, org);
  bool descending = q.sort == inbox_sort::newest || q.sort == inbox_sort::shortest;
  std::string walks;
  bool blocked = q.view == inbox_view::blocked;
  if (q.sort == inbox_sort::newest || q.sort == inbox_sort::oldest) {
    walks = walk_sql(b, {"c.last_ts", descending, "", 0, blocked}, common, q.after, lim);
  } else {
    // Waiting conversations first, then the others by id. A cursor without a key
    // lies among the others: the waiting part is behind it. `unreplied: false` has
    // no waiting part.
    bool in_idle = q.after && !q.after->key;
    if (!in_idle && q.unreplied != false)
      walks = walk_sql(b, {"c.last_contact_ts", descending, waiting_part, 0, blocked},
                       common, q.after, lim) +
              " UNION ALL ";
    std::optional<inbox_position> idle_after;
    if (in_idle) idle_after = q.after;
    walks += walk_sql(b,
                      {nullptr, false,
                       q.unreplied == true ? idle_unreplied_part : idle_part, 1, blocked},
                      common, idle_after, lim);
  }
  // The blocked view: an org blocks few contacts, so its conversations are read
  // from the org's blocks (one index lookup each) and sorted, instead of walking
  // every conversation in order to find the few blocked ones.
  // LATERAL ... LIMIT 1 keeps the lookups (a join would hash every conversation).
  if (blocked) {
    b.sql = "WITH blocked_convs AS MATERIALIZED (SELECT c.id, c.org, c.kind, c.assignee,"
            " c.team, c.status, c.unreplied, c.last_ts, c.last_contact_ts, c.contact"
            " FROM contact_blocks k"
            " CROSS JOIN LATERAL (SELECT * FROM conversations c WHERE c.org = k.org"
            " AND c.contact = k.contact AND c.kind = 'support' LIMIT 1) c"
            " WHERE k.org = " +
            org + ") ";
  }
  b.sql += "SELECT " PARLEY_CONVERSATION_COLUMNS " FROM (" + walks +
           ") p JOIN conversations c ON c.id = p.id" PARLEY_CONVERSATION_ACTIVITY
           " ORDER BY p.part, p.key" +
           (descending ? " DESC" : "") + ", p.id LIMIT " + lim;
  return {std::move(b.sql), std::move(b.params)};
}

db_result<inbox_page> list_inbox(pg::connection& db, const inbox_query& q) {
  auto st = inbox_sql(q);
  auto r = db.exec(st.sql, st.params);
  if (!r.ok()) return failed<inbox_page>(r);
  inbox_page page;
  int rows = r.rows();
  page.more = static_cast<std::uint64_t>(rows) > q.limit;
  int take = page.more ? static_cast<int>(q.limit) : rows;
  std::vector<std::string> ids;
  std::unordered_map<std::string, std::size_t> index;
  for (int i = 0; i < take; ++i) {
    page.items.push_back(read_conversation(r, i));
    index[page.items.back().id] = page.items.size() - 1;
    ids.push_back(page.items.back().id);
  }
  if (!ids.empty()) {
    auto p = db.exec(select_inbox_participants, {pg::text_array(ids)});
    if (!p.ok()) return failed<inbox_page>(p);
    for (int i = 0; i < p.rows(); ++i)
      page.items[index[p.str(i, 0)]].participants.push_back(p.str(i, 1));
  }
  return db_result<inbox_page>::success(std::move(page));
}

} // namespace parley::storage

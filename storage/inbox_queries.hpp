#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/records.hpp"
#include "protocol/types.hpp"
#include "storage/db_result.hpp"
#include "storage/pg.hpp"

// SQL for inbox.list (docs/protocol.md §9): a page of an org's support
// conversations in one view, filter and sort. The rules (what each view, filter and
// sort means, the cursor) are actors/rules/inbox_rules.hpp's; this answers the same
// question with index walks (migration 010) and must give exactly its `page`.
namespace parley::storage {

// Plain records the actors carry too (protocol/records.hpp).
using protocol::inbox_sort;
using protocol::inbox_view;

/// Where the previous page ended: the last item's sort key (nullopt: a
/// longest/shortest item where nobody waits) and id.
struct inbox_position {
  std::optional<std::int64_t> key;
  std::string id;
};

struct inbox_query {
  std::string org;    // the caller's org: nothing else is ever read
  std::string viewer; // the caller (view mine)
  inbox_view view = inbox_view::all;
  std::string team;                  // view team
  std::optional<std::string> status; // "open" | "closed" | "snoozed"; nullopt: any
  std::optional<bool> unreplied;     // nullopt: either
  inbox_sort sort = inbox_sort::newest;
  std::uint64_t limit = 50;
  std::optional<inbox_position> after; // items strictly after it
};

/// A page: at most `limit` conversations in order (with participants), and whether
/// more follow. Every item's contact is blocked exactly when the view is `blocked`.
struct inbox_page {
  std::vector<protocol::conversation> items;
  bool more = false;
};

/// The statement list_inbox runs for `q` (for EXPLAIN in bench/inbox_list).
struct inbox_statement {
  std::string sql;
  std::vector<pg::param> params;
};
inbox_statement inbox_sql(const inbox_query& q);

/// Reads one page: for each part of the order (one for newest/oldest; the waiting
/// and then the other conversations for longest/shortest) one index walk from the
/// cursor that stops after limit + 1 matching rows.
db_result<inbox_page> list_inbox(pg::connection& db, const inbox_query& q);

} // namespace parley::storage

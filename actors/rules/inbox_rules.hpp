#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/rules/support_rules.hpp"
#include "protocol/error_code.hpp"
#include "protocol/types.hpp"

// `inbox.list` (docs/protocol.md §9): the request parsed into a typed query, the
// filter predicate, the sort orders and the cursor. Pure: no CAF, no libpq. The SQL
// implementation answers the same questions with indexes; `page` here is the oracle
// its tests compare against. Decisions: docs/protocol.md, "§9 inbox.list (served)".
namespace parley::inbox_rules {

enum class view_kind { all, mine, unassigned, team, blocked };
enum class status_filter { all, open, closed, snoozed };
enum class sort_order { newest, oldest, longest, shortest };

std::string_view to_string(sort_order s);

inline constexpr std::uint64_t default_limit = 50;
inline constexpr std::uint64_t max_limit = 200;

/// Where an item sits in a sort order: its sort key and id. For newest/oldest the
/// key is the last activity; for longest/shortest it is `last_contact_ts` of an
/// unreplied conversation, and nullopt for one where nobody waits.
struct position {
  std::optional<std::int64_t> key;
  std::string id;
  bool operator==(const position&) const = default;
};

/// A validated inbox.list request.
struct query {
  view_kind view = view_kind::all;
  std::string team; // view == team only
  status_filter status = status_filter::all;
  std::optional<bool> unreplied; // nullopt: either
  sort_order sort = sort_order::newest;
  std::uint64_t limit = default_limit;
  std::optional<position> after; // from `cursor`: items strictly after it
};

/// The request's arguments as the session decoded them (types already checked;
/// absent and nil are both nullopt).
struct raw_args {
  std::optional<std::string> view;
  std::optional<std::string> status;
  std::optional<bool> unreplied;
  std::optional<std::string> sort;
  std::optional<std::int64_t> limit;
  std::optional<std::string> cursor;
};

/// A parsed query, or the `bad_request` failure with its human message.
struct parsed {
  std::optional<protocol::failure> error;
  query q;
  bool ok() const { return !error.has_value(); }
};

/// Validates the arguments: `view` required; `status` default `all`; `unreplied`
/// absent = no filter; `sort` default `newest`; `limit` 1..200 default 50; `cursor`
/// one this server returned for the same sort.
parsed parse(const raw_args& args);

/// Who may list the inbox: staff other than guests (others: `forbidden`).
bool may_list(const protocol::user_info& u);

/// One support conversation as the inbox sees it.
struct item {
  std::string id;
  support_rules::status status = support_rules::status::open;
  std::optional<std::string> assignee;
  std::optional<std::string> team;
  bool unreplied = false;
  std::optional<std::int64_t> last_contact_ts;
  std::int64_t last_activity_ts = 0; // newest message, or creation
  bool contact_blocked = false;
};

/// The view, status and unreplied filters (not the cursor) for `viewer` (a user
/// id). Every view but `blocked` leaves out blocked contacts' conversations;
/// `blocked` shows only those.
bool matches(const query& q, const item& it, std::string_view viewer);

/// The item's place in the order `s`.
position position_of(sort_order s, const item& it);

/// Negative when `a` comes first in order `s`, positive when `b` does, 0 when equal
/// (same key and id). newest: activity descending; oldest: ascending; longest:
/// waiting items first, the longest-waiting (oldest last_contact_ts) first;
/// shortest: waiting items first, the most recent first. Ties and non-waiting
/// items by id ascending.
int compare(sort_order s, const position& a, const position& b);

/// A strict weak order on items for `s` (total on distinct ids).
bool precedes(sort_order s, const item& a, const item& b);

/// The opaque cursor after `it` in order `s`: `<n|o|l|s>:<key|->:<id>`.
std::string encode_cursor(sort_order s, const item& it);

/// A page of the inbox: the items of `all` that match, after the cursor, in order,
/// at most `limit`; `cursor` is present exactly when more items follow.
struct page_result {
  std::vector<item> items;
  std::optional<std::string> cursor;
};
page_result page(const query& q, std::vector<item> all, std::string_view viewer);

} // namespace parley::inbox_rules

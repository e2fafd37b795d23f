#pragma once

// The values a session and a db worker exchange for inbox.list (docs/protocol.md
// §9), with their `inspect` overloads, and the translation between the parsed
// request (actors/rules/inbox_rules.hpp) and these values. The db worker's side is
// in actors/db/inbox_reads.hpp.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/api/inspect.hpp"
#include "actors/rules/inbox_rules.hpp"
#include "protocol/records.hpp"
#include "protocol/types.hpp"

namespace parley {

/// One inbox page to read, in plain fields (enums as their numbers).
struct inbox_request {
  std::string org;  // the caller's org
  std::string user; // the caller
  bool sees_internal = false;
  std::uint8_t view = 0; // protocol::inbox_view
  std::string team;
  std::string status;         // "" : any
  std::uint8_t unreplied = 0; // 0 either, 1 false, 2 true
  std::uint8_t sort = 0;      // protocol::inbox_sort
  std::uint64_t limit = 0;
  bool has_after = false;
  bool after_has_key = false;
  std::int64_t after_key = 0;
  std::string after_id;
};

/// A page read: the conversations in order, the caller's unread count in each, and
/// whether more follow.
struct inbox_result {
  bool failed = false;
  std::vector<protocol::conversation> items;
  std::vector<std::uint64_t> unread;
  bool more = false;
};

/// The request for `q` by `user` of `org`.
inbox_request make_inbox_request(const inbox_rules::query& q, std::string org,
                                 std::string user, bool sees_internal);

/// How the rules see a conversation of a page read for `view` (a page of the
/// `blocked` view holds exactly the blocked contacts' conversations).
inbox_rules::item rule_item(const protocol::conversation& c, bool contact_blocked);

PARLEY_INSPECT(inbox_request, x.org, x.user, x.sees_internal, x.view, x.team, x.status,
               x.unreplied, x.sort, x.limit, x.has_after, x.after_has_key, x.after_key,
               x.after_id);
PARLEY_INSPECT(inbox_result, x.failed, x.items, x.unread, x.more);

} // namespace parley

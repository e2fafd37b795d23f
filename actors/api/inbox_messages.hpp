#pragma once

// The values a session and a db worker exchange for inbox.list (docs/protocol.md
// §9), with their `inspect` overloads, and the translation of the parsed
// request (actors/rules/inbox_rules.hpp) into the storage query.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

#include "actors/rules/inbox_rules.hpp"
#include "protocol/types.hpp"
#include "storage/inbox_queries.hpp"
#include "storage/pg.hpp"

namespace parley {

/// One inbox page to read, in plain fields (enums as their numbers).
struct inbox_request {
  std::string org;  // the caller's org
  std::string user; // the caller
  bool sees_internal = false;
  std::uint8_t view = 0; // storage::inbox_view
  std::string team;
  std::string status;         // "" : any
  std::uint8_t unreplied = 0; // 0 either, 1 false, 2 true
  std::uint8_t sort = 0;      // storage::inbox_sort
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

/// The storage query of a request.
storage::inbox_query storage_query(const inbox_request& r);

/// How the rules see a conversation of a page read for `view` (a page of the
/// `blocked` view holds exactly the blocked contacts' conversations).
inbox_rules::item rule_item(const protocol::conversation& c, bool contact_blocked);

/// Reads the page and the caller's unread counts on `db` (a db worker's connection).
inbox_result run_inbox_request(storage::pg::connection& db, const inbox_request& r);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inbox_request& x) {
  return f(caf::meta::type_name("inbox_request"), x.org, x.user, x.sees_internal, x.view,
           x.team, x.status, x.unreplied, x.sort, x.limit, x.has_after, x.after_has_key,
           x.after_key, x.after_id);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inbox_result& x) {
  return f(caf::meta::type_name("inbox_result"), x.failed, x.items, x.unread, x.more);
}

} // namespace parley

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Plain records the server keeps or sends, read from PostgreSQL by storage/ and
// carried between actors (actors/api): no I/O and no libpq, so the actor
// interfaces need no storage header. storage/ returns exactly these.
namespace parley::protocol {

/// A committed message's idempotency key and what the client was told.
struct cid_entry {
  std::string conv;
  std::string author;
  std::string cid;
  std::uint64_t seq = 0;
  std::int64_t ts = 0;
};

/// Unread counts saturate here (docs/protocol.md §7).
inline constexpr std::uint64_t unread_cap = 1000;

/// A participant's read marker and unread count.
struct read_state {
  std::string user;
  std::uint64_t seq = 0;
  std::uint64_t unread = 0;
};

/// How a favourites change applies.
enum class favorites_op { set, add, remove };

/// Where an invitation stands (the `invitations.status` column, and the `status`
/// an inviter sees).
enum class invite_status : std::uint8_t { pending, accepted, ignored, revoked };

/// The status's spelling, and back (nullopt: a value no migration writes).
const char* to_string(invite_status s);
std::optional<invite_status> parse_invite_status(std::string_view s);

/// An invitation as stored. Empty strings stand for absent values.
struct invitation {
  std::string id;
  std::string from_user;
  std::string from_org;
  std::string from_email;
  std::string from_name; // read for the invitee's list only
  std::string to_email;
  std::string to_user; // the invitee it was addressed to ("" : nobody)
  std::string note;
  bool delivered = false; // the invitee ever sees it
  invite_status status = invite_status::pending;
  std::string conv;    // the direct conversation, once accepted
  std::int64_t ts = 0; // when it was sent
};

/// How a state change of an invitation ended.
enum class invite_outcome : std::uint8_t { done, not_found, conflict };

/// The views and sorts of inbox.list (docs/protocol.md §9).
enum class inbox_view { all, mine, unassigned, team, blocked };
enum class inbox_sort { newest, oldest, longest, shortest };

/// One message matching a search. `snippet` is an excerpt of the body, each
/// matched word between search_mark_start and search_mark_stop
/// (storage/search_queries.hpp).
struct message_hit {
  std::string conv;
  std::int64_t seq = 0;
  std::int64_t ts = 0;
  std::string snippet;
};

/// One contact matching a search.
struct contact_hit {
  std::string user;
  std::string name;
  std::optional<std::string> email;
};

} // namespace parley::protocol

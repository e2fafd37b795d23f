#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "protocol/types.hpp"

// Who may search what, and what a query must look like (docs/protocol.md §10): pure
// functions, no CAF, no libpq.
namespace parley::search_rules {

/// What a search looks through (the `scope` argument).
enum class scope : std::uint8_t {
  messages, // ordinary (non-internal) messages
  comments, // internal comments: staff only
  contacts, // the org's contacts by name or email: staff other than guests
};

/// `q` is 1..256 bytes of UTF-8.
inline constexpr std::size_t max_query_bytes = 256;

/// A search answers at most this many hits, newest first (no paging).
inline constexpr std::uint64_t max_hits = 50;

/// The scope named `name` ("messages", "comments", "contacts"); nullopt for any
/// other name. An absent scope is `messages`.
std::optional<scope> parse_scope(std::string_view name);

/// Whether `user` may search `s` at all (`forbidden` otherwise): everyone searches
/// messages, staff (guests too: they read internal comments of conversations they
/// take part in) search comments, staff other than guests search contacts.
bool may_search(const protocol::user_info& user, scope s);

/// Whether `q` can hold a word the 'simple' text-search parser keeps: an ASCII
/// letter or digit, or any non-ASCII character. A query without one matches
/// nothing, and is answered without asking the database.
bool has_word(std::string_view q);

} // namespace parley::search_rules

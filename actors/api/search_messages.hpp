#pragma once

// The values sessions and db workers exchange for full-text search (docs/protocol.md
// §10), with their `inspect` overloads.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/api/inspect.hpp"
#include "actors/rules/search_rules.hpp"
#include "protocol/records.hpp"
#include "protocol/types.hpp"

namespace parley {

/// `search` for `user`, with the directory facts the SQL pre-filter needs.
struct search_request {
  std::uint8_t scope = 0; // search_rules::scope
  std::string q;          // empty: q has no word (only the `conv` is looked up)
  std::string user;
  std::string org;
  bool full_staff = false;
  std::string client_of; // a client's company; empty for other users
  std::string conv;      // the one conversation searched; empty: all readable
  std::uint64_t limit = 0;
};

struct search_result {
  bool failed = false; // the database could not be reached or refused
  std::vector<protocol::message_hit> hits;
  // The conversations of `hits` (and the `conv` searched, when it exists), with
  // participants, for the session's rule check.
  std::vector<protocol::conversation> convs;
  std::vector<protocol::contact_hit> contacts;
};

PARLEY_INSPECT(search_request, x.scope, x.q, x.user, x.org, x.full_staff, x.client_of,
               x.conv, x.limit);
PARLEY_INSPECT(search_result, x.failed, x.hits, x.convs, x.contacts);

} // namespace parley

namespace parley::protocol {

PARLEY_INSPECT(message_hit, x.conv, x.seq, x.ts, x.snippet);
PARLEY_INSPECT(contact_hit, x.user, x.name, optional_field{x.email});

} // namespace parley::protocol

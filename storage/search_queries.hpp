#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/records.hpp"
#include "protocol/types.hpp"
#include "storage/db_result.hpp"
#include "storage/pg.hpp"

// SQL for full-text search (docs/protocol.md §10):
// the 'simple' configuration, user text parsed by websearch_to_tsquery only (never
// spliced into tsquery syntax), newest first, bounded, and restricted in SQL to
// what the caller may read. The caller still checks every hit with the visibility
// rule: the SQL is a pre-filter.
namespace parley::storage {

/// Who is searching: the facts the SQL pre-filter needs (as for conv.list).
struct search_viewer {
  std::string user;
  std::string org;
  bool full_staff = false;              // staff other than guests
  std::optional<std::string> client_of; // for client users: their company
};

// Plain records the actors carry too (protocol/records.hpp). A message_hit's
// `snippet` is ts_headline's excerpt of the body.
using protocol::message_hit;

/// Where snippets mark a matched word (STX and ETX: no chat text needs them, no
/// renderer interprets them; they are stripped from bodies before highlighting).
inline constexpr char search_mark_start = '\x02';
inline constexpr char search_mark_stop = '\x03';

/// The hits, newest first, and the conversations they lie in (with participants)
/// so the caller can check each with the rule. With `conv` given, `convs` holds
/// that conversation whenever it exists, even with no hits.
struct message_search {
  std::vector<message_hit> hits;
  std::vector<protocol::conversation> convs;
};

/// The newest `limit` messages matching `q` among the conversations `who` may read
/// (or only `conv`, when given): `internal` false searches ordinary messages, true
/// internal comments. System messages and empty bodies never match; a `q` without
/// a word, or with only excluded words, matches nothing; an empty `q` runs no
/// search at all (only `conv` is looked up).
db_result<message_search> search_messages(pg::connection& db, const search_viewer& who,
                                          const std::string& q, bool internal,
                                          const std::optional<std::string>& conv,
                                          std::uint64_t limit);

using protocol::contact_hit;

/// The `limit` most recently provisioned or updated contacts of `org` whose name
/// or email matches `q`.
db_result<std::vector<contact_hit>> search_contacts(pg::connection& db,
                                                    const std::string& org,
                                                    const std::string& q,
                                                    std::uint64_t limit);

} // namespace parley::storage

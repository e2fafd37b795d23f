#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/types.hpp"
#include "storage/db_result.hpp"
#include "storage/pg.hpp"

// SQL for conversation lists and membership (docs/protocol.md §5).
namespace parley::storage {

/// Who is listing: the facts the SQL pre-filter needs (the visibility rule still
/// checks every item afterwards).
struct list_viewer {
  std::string user;
  std::string org;
  bool full_staff = false;              // staff other than guests
  std::optional<std::string> client_of; // for client users: their company
};

/// A page of conversations, newest activity first, and the position of the last
/// row read (the next page starts strictly after it).
struct conversation_page {
  std::vector<protocol::conversation> items;
  bool more = false;
  std::int64_t last_ts = 0;
  std::string last_id;
};

/// The conversations `who` may read, strictly older than the cursor (last_ts, id)
/// when given: those it takes part in, company-tied ones of its favourite companies
/// (staff other than guests), company conversations its company shares with it
/// (clients), and the org's support conversations (staff other than guests).
/// Computed in SQL from the favourites and participants tables; each branch walks
/// an index in activity order and stops after `limit` + 1 rows.
db_result<conversation_page> list_readable(pg::connection& db, const list_viewer& who,
                                           std::optional<std::int64_t> cursor_ts,
                                           const std::string& cursor_id,
                                           std::uint64_t limit);

/// Adds participants (already present ones are left alone).
db_result<bool> add_participants(pg::connection& db, const std::string& conv,
                                 const std::vector<std::string>& users, std::int64_t now);

/// Removes participants (absent ones are ignored).
db_result<bool> remove_participants(pg::connection& db, const std::string& conv,
                                    const std::vector<std::string>& users);

} // namespace parley::storage

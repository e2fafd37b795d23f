#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "protocol/records.hpp"
#include "storage/db_result.hpp"
#include "storage/pg.hpp"

// SQL for read markers and unread counts (docs/protocol.md §7). A user's unread
// count in a conversation is the number of messages after its read marker that it
// may see and did not write; it saturates at unread_cap (protocol/records.hpp).
namespace parley::storage {

// Plain records the actors carry too (protocol/records.hpp).
using protocol::read_state;
using protocol::unread_cap;

/// Every participant's read state in `conv` (participants without a marker: 0).
db_result<std::vector<read_state>> participant_reads(pg::connection& db,
                                                     const std::string& conv);

/// `user`'s unread count in each of `convs`.
db_result<std::unordered_map<std::string, std::uint64_t>>
unread_counts(pg::connection& db, const std::string& user, bool sees_internal,
              const std::vector<std::string>& convs);

} // namespace parley::storage

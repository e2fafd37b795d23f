#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/records.hpp"
#include "protocol/types.hpp"
#include "storage/db_result.hpp"
#include "storage/pg.hpp"
#include "storage/support_queries.hpp"

// SQL for conversations and messages: the group-commit write and the reads the
// conversation actor and history need.
namespace parley::storage {

// Plain records the actors carry too (protocol/records.hpp).
using protocol::cid_entry;

/// A conversation to create in a batch, with the creator's cid when one was given.
struct new_conversation {
  protocol::conversation conv;
  std::optional<std::string> create_cid;
};

/// A read marker to move forward (`read`, docs/protocol.md §7). At most one per
/// (conv, user) in a batch.
struct read_marker_write {
  std::string conv;
  std::string user;
  std::uint64_t seq = 0;
  /// Unread is counted up to this seq (the conversation's last committed one).
  std::uint64_t upto = 0;
  bool sees_internal = false;
  std::int64_t ts = 0;
};

/// A marker as stored (never moved back) and the unread count behind it.
struct read_marker_stored {
  std::string conv;
  std::string user;
  std::uint64_t seq = 0;
  std::uint64_t unread = 0;
};

/// A clustered node's claim on an existing conversation: the owner epoch it took
/// when it loaded it (migration 014).
struct owner_fence {
  std::string conv;
  std::uint64_t epoch = 0;
};

/// Everything one group commit writes: new conversations (with participants),
/// messages and read markers, in one statement and so in one transaction.
struct write_batch {
  std::vector<new_conversation> creates;
  std::vector<protocol::message> messages;
  /// Support conversations' state after this batch (migration 008).
  std::vector<support_update> supports;
  std::vector<read_marker_write> reads;
  /// Clustered nodes only: the conversations' rows are locked and their owner
  /// epochs checked first; empty on a single node (no extra round trip).
  std::vector<owner_fence> fences;
  bool empty() const { return creates.empty() && messages.empty() && reads.empty(); }
};

/// Which parts a batch's group commit statement holds: a statement sets up every
/// data-modifying part on each execution, so a batch runs only those it has rows
/// for (a lone message: neither creates nor read markers).
struct write_shape {
  bool creates = false;
  bool messages = false;
  bool reads = false;
  unsigned index() const {
    return (creates ? 1u : 0u) | (messages ? 2u : 0u) | (reads ? 4u : 0u);
  }
};

/// The group commit statement of `shape`, its parameters numbered $1.. in the
/// order of its parts (creates 13, messages 16, read markers 6). For tests.
std::string write_batch_sql(write_shape shape);

/// Writes the whole batch atomically in one round trip. For existing conversations
/// the newest seq and time are raised to the batch's newest message (in
/// conversation_activity, and in conversations where an index walks them:
/// migration 015). Returns the read
/// markers as stored, in no particular order. With `fences`, a conversation whose
/// owner epoch moved on fails the whole batch with sqlstate_fenced (the error names
/// them, one per line) and nothing is written.
db_result<std::vector<read_marker_stored>> write(pg::connection& db,
                                                 const write_batch& batch);

/// The session settings of the connection that runs `write`. Its statements touch
/// a handful of rows, each by key, and run hundreds of times a second:
/// - one generic plan, made once: PostgreSQL's default replans a statement for its
///   parameters whenever that plan looks cheaper than the generic one, and for
///   the group commit that costs more than executing it (0.4 ms against 0.25);
/// - no sequential scans: a generic plan assumes ten rows per unnest, and on a
///   table of a few thousand rows it then hashes a scan of the whole table every
///   commit (conversations and participants in the activity bump); without them
///   it takes the key's index whatever the table's size.
/// bench/RESULTS.md, "Hot path, round 5".
std::vector<pg::setting> writer_settings();

/// Which of the batch's messages collide with a stored row, on (conv, author, cid)
/// or on (conv, seq). Used after a unique violation to find the culprits.
db_result<std::vector<cid_entry>>
find_collisions(pg::connection& db, const std::vector<protocol::message>& msgs);

/// A conversation with its participants, or nullopt when it does not exist.
db_result<std::optional<protocol::conversation>> load_conversation(pg::connection& db,
                                                                   const std::string& id);

/// A takeover (clustered nodes): raises the conversation's owner epoch and returns
/// it, nullopt when there is no such conversation. Waits for a commit in flight
/// that holds the row, so what is loaded after it includes that commit.
db_result<std::optional<std::uint64_t>> take_ownership(pg::connection& db,
                                                       const std::string& id);

/// The idempotency keys of a conversation's newest `limit` messages.
db_result<std::vector<cid_entry>> recent_cids(pg::connection& db, const std::string& conv,
                                              std::int64_t limit);

/// The conversation a creator made with `create_cid`, if any.
db_result<std::optional<std::string>> find_created(pg::connection& db,
                                                   const std::string& created_by,
                                                   const std::string& create_cid);

/// A page of messages ascending by seq, and whether more lie beyond it in the
/// direction read.
struct history_page {
  std::vector<protocol::message> messages;
  bool more = false;
};

/// With `after`: the first `limit` messages after it; otherwise the last `limit`
/// before `before` (or the newest). Reply-to references carry their previews.
db_result<history_page> history(pg::connection& db, const std::string& conv,
                                std::optional<std::uint64_t> before,
                                std::optional<std::uint64_t> after, std::uint64_t limit);

/// Messages with seq in [from, to], ascending.
db_result<std::vector<protocol::message>> message_range(pg::connection& db,
                                                        const std::string& conv,
                                                        std::uint64_t from,
                                                        std::uint64_t to);

/// One message, if committed.
db_result<std::optional<protocol::message>>
find_message(pg::connection& db, const std::string& conv, std::uint64_t seq);

} // namespace parley::storage

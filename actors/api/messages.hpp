#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/records.hpp"
#include "protocol/types.hpp"

// The requests a session sends to conversation actors, as plain structs. Each
// carries the `rid` it answers, because the conversation actor encodes the reply
// frame itself (it knows the outcome; the session only forwards bytes).
namespace parley {

struct send_request {
  std::uint64_t rid = 0;
  std::string conv;
  std::string user;
  std::string cid;
  std::string body;
  std::string format = "text";
  std::uint64_t reply_to = 0; // 0: none (seqs start at 1)
  std::vector<std::string> mentions;
  bool internal = false;
  std::vector<protocol::blob_ref> attachments; // checked by the blob store already
  bool direct = false; // sent past the registry (session.hpp); not serialized
};

struct history_request {
  std::uint64_t rid = 0;
  std::string conv;
  std::string user;
  bool has_before = false;
  std::uint64_t before = 0;
  bool has_after = false;
  std::uint64_t after = 0;
  std::uint64_t limit = 0;
  bool direct = false; // sent past the registry (session.hpp); not serialized
};

/// msg.around: up to `limit` messages on each side of `seq`, and `seq` itself.
struct around_request {
  std::uint64_t rid = 0;
  std::string conv;
  std::string user;
  std::uint64_t seq = 0;
  std::uint64_t limit = 10;
  bool direct = false; // sent past the registry (session.hpp); not serialized
};

/// `read {conv, seq}`: move the caller's read marker forward.
struct read_request {
  std::uint64_t rid = 0;
  std::string conv;
  std::string user;
  std::uint64_t seq = 0;
  bool direct = false; // sent past the registry (session.hpp); not serialized
};

/// A read marker to store, and the unread count to compute up to `upto`.
struct read_write {
  std::string conv;
  std::string user;
  std::uint64_t seq = 0;
  std::uint64_t upto = 0;
  bool sees_internal = false;
};

/// What the database holds after a read_write.
struct read_stored {
  bool ok = false;
  std::uint64_t seq = 0;
  /// Messages after `seq` up to seq `upto` the user may see and did not write.
  std::uint64_t unread = 0;
  /// How far `unread` counted: the highest upto of the requests merged into this
  /// marker's row (a later request of the same user can raise it).
  std::uint64_t upto = 0;
};

/// A user's unread counts in some conversations (for conv.list).
struct unread_query {
  std::string user;
  bool sees_internal = false;
  std::vector<std::string> convs;
};

struct unread_result {
  bool failed = false;
  std::vector<std::uint64_t> counts; // in the order of unread_query::convs
};

struct get_request {
  std::uint64_t rid = 0;
  std::string conv;
  std::string user;
};

/// conv.participants.add / conv.participants.remove.
struct members_request {
  std::uint64_t rid = 0;
  std::string conv;
  std::string user; // who asks
  bool add = true;
  std::vector<std::string> users;
};

/// A membership change for the database (the conversation actor has decided it).
struct members_write {
  std::string conv;
  bool add = true;
  std::vector<std::string> users;
  std::int64_t ts = 0;
};

/// A change of one user's favourites (docs/protocol.md §4).
struct favorites_change {
  std::string user;
  std::uint8_t op = 0; // protocol::favorites_op
  std::vector<std::string> companies;
};

/// The stored result of a favourites change.
struct favorites_result {
  bool ok = false;
  bool missing_reference = false; // unknown user or company
  std::vector<std::string> companies;
  std::int64_t version = 0;
};

struct create_request {
  std::uint64_t rid = 0;
  protocol::conversation conv; // id, participants etc. chosen by the session
  std::string create_cid;      // empty: none
  bool has_first = false;
  protocol::message first; // seq 1 when has_first
  /// A support conversation the database already holds: the registry loads it
  /// rather than creating it (the answer is `existing: true`).
  bool existing = false;
};

/// What the persistence actor is asked to make durable for one conversation.
struct write_request {
  std::string conv;
  std::uint64_t epoch = 0; // the conversation's write epoch (see seq_ledger)
  /// The conversation's row (and its participants) when this write creates it; they
  /// are written before the messages. Absent for every other write: a write_request
  /// moves several times on its way into a batch (mailbox, writer, its queue), and a
  /// conversation is a few hundred bytes of strings.
  std::optional<protocol::conversation> conversation;
  std::string create_cid;
  std::vector<protocol::message> messages;
  /// A support conversation's state after these messages (written with them).
  std::optional<protocol::support_info> support;
  /// Clustered nodes: check that the conversation's owner epoch is still this one
  /// (migration 014) before writing; a single node never sets it.
  bool fenced = false;
  std::uint64_t owner_epoch = 0;
};

enum class write_status : std::uint8_t {
  committed,   // durable
  unavailable, // the transaction failed; nothing of this request was stored
  stale,       // refused: an earlier write of the same epoch failed
  collision,   // a message collided with a stored row; see `existing`
  fenced,      // another node took the conversation over: nothing was stored
};

/// The persistence actor's answer to one write_request.
struct write_outcome {
  write_status status = write_status::unavailable;
  std::string error;
  /// For a collision: stored rows matching the request's (author, cid) or seq.
  std::vector<protocol::cid_entry> existing;
};

/// Everything a conversation actor needs to start: its row and participants and
/// the idempotency keys of its newest messages.
struct conversation_snapshot {
  bool found = false;
  bool failed = false; // the database could not be read
  protocol::conversation conv;
  std::vector<protocol::cid_entry> recent_keys;
  std::vector<protocol::read_state> reads; // every participant's marker and unread
  /// Clustered: the owner epoch this load took (migration 014); 0 on a single node.
  std::uint64_t owner_epoch = 0;
};

/// The author and preview of a message that is replied to.
struct reply_target {
  bool found = false;
  bool failed = false;
  bool internal = false;
  std::string author;
  std::string preview;
};

/// support.* ops (docs/protocol.md §9) on one support conversation.
struct support_request {
  enum op_kind : std::uint8_t { assign, takeover, close, snooze, unsnooze };
  std::uint64_t rid = 0;
  std::string conv;
  std::string user;
  std::uint8_t op = assign;
  std::optional<std::string> assignee; // assign (nullopt: none)
  std::optional<std::string> team;     // assign (nullopt: none)
  std::optional<std::string> note;     // close
  std::int64_t until = 0;              // snooze
};

/// From the snooze scheduler: the conversation's snooze may be due.
struct wake_request {
  std::uint64_t rid = 0;
  std::string conv;
};

/// What an AI agent asks of the support conversation it answers. The conversation
/// decides: a reply or handoff from an agent that is no longer the assignee (a
/// takeover, a reassignment) is refused and never stored.
struct ai_action {
  enum kind_t : std::uint8_t { typing_start, typing_stop, reply, handoff };
  std::uint64_t rid = 0;
  std::string conv;
  std::string agent; // the ai user
  std::uint8_t kind = typing_start;
  std::uint64_t prompt_seq = 0; // the contact message answered (reply cid)
  std::string body;             // reply only
};

/// To an AI agent: a contact's committed message in a conversation assigned to it.
struct ai_prompt {
  std::string conv;
  std::string agent;
  std::uint64_t seq = 0;
  std::string body;
};

/// A blocked-contacts change (contact.block / contact.unblock) for the database.
struct block_change {
  bool block = true;
  std::string contact;
  std::string org;
  std::string by;
  std::int64_t at = 0;
};

/// An `ai` user's responder configuration to store (admin.ai.put).
struct ai_config_put {
  std::string user;
  std::vector<std::vector<std::string>> match; // per rule
  std::vector<std::string> reply;              // per rule
  std::string fallback;
  std::int64_t delay_ms = 0;
};

/// The snooze scheduler's walk: conversations due to wake.
struct due_snoozes {
  bool failed = false;
  std::vector<std::string> convs;
};

} // namespace parley

#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/api/interfaces.hpp"
#include "actors/api/pools.hpp"
#include "actors/node/access.hpp"
#include "actors/node/access_cache.hpp"
#include "actors/node/clock.hpp"
#include "actors/node/directory.hpp"
#include "actors/node/metrics.hpp"
#include "actors/node/runtime_config.hpp"
#include "actors/node/timers.hpp"
#include "actors/rules/recent_messages.hpp"
#include "actors/rules/seq_ledger.hpp"
#include "actors/rules/support_rules.hpp"
#include "actors/rules/typing_board.hpp"
#include "actors/rules/visibility.hpp"

namespace parley {

/// What a conversation actor uses, handed to it at spawn (by the registry). It has
/// no blob store: attachments are claimed by the session before a send arrives.
struct conversation_handles {
  std::shared_ptr<const runtime_config> config;
  std::shared_ptr<directory> dir;
  std::shared_ptr<metrics> stats;
  persistence_actor writer; // the group commit
  db_pool db;               // loads, history pages, read markers
  registry_actor registry;  // passivation
  presence_actor presence;  // notifications and per-user pushes
  ai_hub_actor ai;          // a contact's message to an AI assignee
  node_timers timers;       // deadlines, typing expiry, the idle check
};

/// Who answers a client once its message is durable.
struct send_waiter {
  caf::typed_response_promise<frame> promise;
  std::uint64_t rid = 0;
  /// conv.end waits for its `ended` system message and answers `{conv}`.
  bool conv_reply = false;
  /// With conv_reply: the answer to a conv.create that found the contact's
  /// existing support conversation (`existing: true`).
  bool existing = false;
};

/// A push waiting for its subscription to go live; `seq` is the message's for a
/// `message` push (0 for typing and read markers).
struct held_push {
  std::uint64_t seq = 0;
  frame bytes;
};

/// One open subscription (a session that ran conv.open).
struct subscriber {
  session_actor session;
  std::string user;
  /// The connection's outbound queue when it is on this node: pushes are written
  /// straight into it, with no hop through the session actor.
  std::shared_ptr<outbound> out;
  /// False until the session has queued the conv.open reply (`opened`); pushes
  /// wait in `held` meanwhile, so the client sees the reply first and every
  /// message once and in order.
  bool live = false;
  /// The newest seq the conv.open reply carries: held message pushes up to it are
  /// dropped when the subscription goes live.
  std::uint64_t backlog_to = 0;
  std::vector<held_push> held;
  bool held_overflow = false; // more than max_held_pushes: revoked when it goes live
};

/// At most this many pushes wait for a subscription to go live; beyond, the
/// subscription is revoked (its session never confirmed the reply).
inline constexpr std::size_t max_held_pushes = 4096;

/// A send waiting in the intake queue, with its reply target once resolved.
struct queued_send {
  send_request req;
  send_waiter waiter;
  std::optional<protocol::reply_ref> target;
};

/// A participant's read marker and unread count (kept for notifications).
struct read_mark {
  std::uint64_t seq = 0;
  std::uint64_t unread = 0;
};

struct conversation_state {
  static inline const char* name = "parley.conversation";

  enum class phase { loading, creating, ready };

  conversation_handles svc;
  std::string id;
  phase stage = phase::loading;
  protocol::conversation info;
  /// Clustered: the owner epoch this incarnation's load took (migration 014);
  /// every write carries it, and one refused for it stops the incarnation.
  std::uint64_t owner_epoch = 0;
  /// info.participants as a set: rights are checked per subscriber per event.
  std::unordered_set<std::string> members;
  /// Each user's rights here as last decided, kept while the directory, the facts
  /// and the participants stay the same (cleared by set_participants).
  access_cache rights;
  /// The rights generation in which every subscriber was last found readable:
  /// while it holds, a committed message need not look for lost rights again.
  std::uint64_t subscribers_checked_in = 0;
  /// Read markers and unread counts of the participants.
  std::unordered_map<std::string, read_mark> reads;
  /// Who is typing (never stored), and whether an expiry check is scheduled.
  typing_board<caf::actor_addr> typing;
  bool typing_tick_armed = false;
  /// Connections watched only because they typed (not subscribers).
  std::unordered_set<caf::actor_addr> typing_watched;
  std::optional<seq_ledger<send_waiter>> ledger;

  /// Support conversations (docs/protocol.md §9): the state with every assigned
  /// message applied (info.support mirrors it), the state as last committed, and
  /// the state each batch in flight carries. A failed batch fails everything after
  /// it, so the state rolls back to the committed one.
  std::optional<support_rules::support_state> support;
  std::optional<support_rules::support_state> support_committed;
  std::deque<std::optional<support_rules::support_state>> support_in_flight;

  /// Requests that arrived while the conversation was loading or being created.
  /// Each is called once: with true when the conversation is ready, false when it
  /// could not be loaded (the request is then answered unavailable / not_found).
  std::vector<std::function<void(bool)>> parked;

  /// Sends waiting for their turn: a send whose reply target must first be read
  /// from the database holds up the ones behind it, keeping arrival order = seq order.
  std::deque<queued_send> intake;
  bool intake_busy = false;

  /// Author and preview of recent messages, for reply-to without a database read.
  recent_messages recent;

  std::unordered_map<caf::actor_addr, subscriber> subscribers;
  /// Clustered: pushes for subscribed sessions on other nodes, each frame once with
  /// its sessions, gathered over a committed batch (or one typing or read event)
  /// and handed to the presence actor as one message (flush_remote), which sends
  /// one relay per node.
  std::vector<remote_push> remote;
  /// A committed batch's notifications, one notify_batch per message, handed to
  /// the presence actor as one message after the batch (flush_notifies).
  std::vector<notify_batch> notifies;
  /// The subscribed sessions as one shared set for notify to skip; rebuilt after
  /// the subscribers change (empty until then).
  std::optional<session_set> open_sessions;

  /// Membership changes apply one at a time, each validated against the result of
  /// the one before.
  std::deque<std::function<void()>> membership_queue;
  bool membership_busy = false;

  std::vector<caf::typed_response_promise<bool>> drain_waiters;

  bool flush_queued = false;
  bool load_unavailable = false; // loading failed because the database did not answer
  std::shared_ptr<bool> counted = std::make_shared<bool>(false); // in the active gauge
  std::uint64_t delegated_handled = 0; // requests the registry delegated to us
  std::int64_t last_activity_ms = 0;

  /// Requests to the writer and the db workers not answered yet, by CAF message id
  /// (oldest first), with their deadlines; one timer watches them all
  /// (db_deadlines.cpp).
  std::map<caf::message_id, std::int64_t> db_deadlines;
  bool db_deadline_armed = false;
};

/// Spawned by the registry. `fresh`: the conversation is being created (its first
/// request is `create`); otherwise it loads itself from PostgreSQL.
conversation_actor::behavior_type
conversation(conversation_actor::stateful_pointer<conversation_state> self,
             std::string id, conversation_handles svc, bool fresh);

} // namespace parley

#pragma once

// Every actor interface of Parley in one place: the messages each actor accepts.
// Who spawns whom and who sends what to whom is drawn in server/node.hpp.
// Requests from a session to a conversation carry their `rid`; the conversation
// answers with the encoded reply frame. Pushes do not pass through the session:
// conversations and the presence actor write them into the connection's outbound
// queue (net's shard outbox) themselves.

#include <caf/all.hpp>

#include "actors/api/inspect.hpp"
#include "actors/api/outbound.hpp"
#include "actors/api/type_ids.hpp"

namespace parley {

/// One client connection (one WebSocket).
using session_actor = caf::typed_actor<
    // A binary frame read from the client.
    caf::reacts_to<frame_atom, std::string>,
    // The socket closed or failed: clean up and stop.
    caf::reacts_to<disconnect_atom>,
    // A frame to forward to the client (a live event, encoded once for everyone).
    caf::reacts_to<push_atom, frame>,
    // A conversation ended this connection's subscription (rights lost).
    caf::reacts_to<revoked_atom, std::string>,
    // The hello deadline, then each time the token may have expired.
    caf::reacts_to<auth_deadline_atom>,
    // The first request awaiting a conversation's answer may be past its deadline.
    caf::reacts_to<answer_deadline_atom>,
    // The server is stopping: close with 1001 after pending replies.
    caf::reacts_to<shutdown_atom>>;

/// Pushes `f` to one connection: straight into its outbound queue when it is on
/// this node (`out`), else through its session actor. The one rule for every
/// actor that pushes (conversations, presence).
template <class Self>
void push_to_connection(Self* self, const session_actor& session,
                        const std::shared_ptr<outbound>& out, const frame& f) {
  if (out)
    out->send(f);
  else
    self->send(session, push_atom_v, f);
}

/// A connection that authenticated as `user`.
struct attachment {
  std::string user;
  session_actor session;
  /// The connection's outbound queue on this node: pushes to it skip the session
  /// actor. Not serialized; a session on another node is reached through `session`.
  std::shared_ptr<outbound> out;
  /// The token's `exp` (seconds): presence tells the session when it has passed.
  std::int64_t token_exp = 0;
};

/// The connections (session actors) that have a conversation open, sorted; shared
/// by every message until the set changes, so handing it on copies no addresses.
class session_set {
public:
  session_set() = default;
  explicit session_set(std::vector<caf::actor_addr> sessions);
  bool contains(const caf::actor_addr& session) const;
  const std::vector<caf::actor_addr>& list() const;

private:
  std::shared_ptr<const std::vector<caf::actor_addr>> sorted_;
};

/// A participant to notify of a message, with its unread count.
struct notify_target {
  std::string user;
  std::uint64_t unread = 0;
};

/// The notifications of one committed message (docs/protocol.md §7): the presence
/// actor encodes `{op: notify}` for each target that has a connection outside
/// `open` (those got the `message` push: v1.1), so a room whose members all have
/// it open costs no encoding at all.
struct notify_batch {
  std::string conv;
  std::uint64_t seq = 0;
  std::string author;
  std::string preview;
  std::vector<notify_target> targets;
  session_set open;
};

/// A push for subscribed sessions on other nodes: the frame once, and its sessions.
struct remote_push {
  frame bytes;
  std::vector<caf::actor> sessions;
};

/// Knows every connection of every online user of this node: conversations push
/// notifications and read markers to a user id without knowing its connections.
using presence_actor = caf::typed_actor<
    // A session authenticated as a user.
    caf::reacts_to<attach_atom, attachment>,
    // A frame for every connection of `user` (dropped when it is offline).
    caf::reacts_to<push_atom, std::string, frame>,
    // A committed batch's notifications, a notify_batch per message, for the
    // targets' connections outside each one's `open`.
    caf::reacts_to<notify_atom, std::vector<notify_batch>>,
    // The sending session's token now expires at this `exp` (auth.refresh).
    caf::reacts_to<expires_atom, std::int64_t>,
    // The timer armed for this expiry (seconds) ran out.
    caf::reacts_to<expiry_tick_atom, std::int64_t>,
    // The cluster's live set changed: per-user pushes and notifications from this
    // node's conversations go to the other live nodes' presence actors too.
    caf::reacts_to<cluster_atom, live_view>,
    // From this node's conversations: a committed batch's pushes for subscribed
    // sessions on other nodes; relayed as one message per node with that node's
    // sessions (issue 17: one remote message per node per batch).
    caf::reacts_to<push_atom, std::vector<remote_push>>,
    // From another node's presence actor: for this node's connections only.
    caf::reacts_to<relay_atom, std::string, frame>,
    caf::reacts_to<relay_atom, std::vector<notify_batch>>,
    caf::reacts_to<relay_atom, std::vector<remote_push>>>;

/// `conv.open`: subscribes `session` (as `user`) and answers with the backlog.
struct open_request {
  std::uint64_t rid = 0;
  std::string conv;
  std::string user;
  bool has_since = false;
  std::uint64_t since = 0;
  session_actor session;
  /// The connection's outbound queue on this node: once the session has queued
  /// the reply (it sends `opened`), the conversation writes pushes straight into
  /// it. Not serialized; a session on another node is reached through `session`.
  std::shared_ptr<outbound> out;
};

/// `typing {conv, state, internal?}` from `session` (as `user`).
struct typing_request {
  bool wants_reply = true; // false: the client sent no rid
  std::uint64_t rid = 0;
  std::string conv;
  std::string user;
  bool start = true;
  bool internal = false;
  session_actor session;
};

/// `conv.close`: unsubscribes `session`.
struct close_request {
  std::uint64_t rid = 0;
  std::string conv;
  std::string user;
  session_actor session;
};

/// `conv.list` for `user`, with the directory facts the SQL pre-filter needs.
struct list_request {
  std::uint64_t rid = 0;
  std::string user;
  std::string org;
  bool full_staff = false;
  std::string client_of; // a client's company; empty for other users
  std::uint64_t limit = 50;
  bool has_cursor = false;
  std::int64_t cursor_ts = 0;
  std::string cursor_id;
};

/// A page of messages read from storage.
struct message_page {
  bool failed = false;
  std::vector<protocol::message> messages;
  bool more = false;
};

/// A page of conversations read from storage, and the position of its last row
/// (the cursor of the next page, even when the rule drops items of this one).
struct conversation_page {
  bool failed = false;
  std::vector<protocol::conversation> items;
  bool more = false;
  std::int64_t last_ts = 0;
  std::string last_id;
};

/// The conversation a creator made with a given cid, if any.
struct created_lookup {
  bool failed = false;
  std::string conv; // empty: none
};

/// The outcome of a directory write.
struct db_ack {
  bool ok = false;
  std::string error;
  bool missing_reference = false; // e.g. a user's org does not exist
  bool conflict = false;          // the id belongs to another organisation
};

/// What callers may ask of a conversation, wherever it lives. The registry offers
/// exactly this and forwards it.
using conversation_api = caf::typed_actor<
    // msg.send: replies once the message is durable.
    caf::replies_to<send_atom, send_request>::with<frame>,
    // conv.open: subscribe and return the messages after `since`.
    caf::replies_to<open_atom, open_request>::with<frame>,
    // conv.close: unsubscribe.
    caf::replies_to<close_atom, close_request>::with<frame>,
    // msg.history: a page of messages.
    caf::replies_to<history_atom, history_request>::with<frame>,
    // typing: start or stop a typing indicator (never stored).
    caf::replies_to<typing_atom, typing_request>::with<frame>,
    // read: move the caller's read marker forward.
    caf::replies_to<read_atom, read_request>::with<frame>,
    // msg.around: the messages around one seq (deep links).
    caf::replies_to<around_atom, around_request>::with<frame>,
    // conv.get: the conversation object.
    caf::replies_to<get_atom, get_request>::with<frame>,
    // conv.participants.add / remove.
    caf::replies_to<members_atom, members_request>::with<frame>,
    // conv.create: the first request a freshly spawned conversation gets.
    caf::replies_to<create_atom, create_request>::with<frame>,
    // conv.end: a participant ends a cross-org direct conversation.
    caf::replies_to<end_atom, end_request>::with<frame>,
    // support.assign / takeover / close / snooze / unsnooze.
    caf::replies_to<support_atom, support_request>::with<frame>,
    // The snooze scheduler: wake the conversation if its snooze is due.
    caf::replies_to<wake_atom, wake_request>::with<frame>,
    // An AI agent's typing, reply or handoff.
    caf::replies_to<ai_atom, ai_action>::with<frame>,
    // Shutdown: answers once nothing is in flight.
    caf::replies_to<drain_atom>::with<bool>>;

/// One conversation: the only writer of its messages. Assigns seqs, checks rights,
/// fans out after commit, passivates when idle.
using conversation_actor = conversation_api::extend<
    // To itself: hand the assigned messages to the writer.
    caf::reacts_to<flush_atom>,
    // To itself: periodic idleness check.
    caf::reacts_to<idle_atom>,
    // To itself: typing indicators may have expired.
    caf::reacts_to<typing_tick_atom>,
    // To itself: a request to the database may be past its deadline.
    caf::reacts_to<answer_deadline_atom>,
    // The directory changed (a user, favourites): re-check every subscription now.
    caf::reacts_to<recheck_atom>,
    // From a session: its conv.open reply is queued on the connection, so pushes
    // may go out now (they wait until then, to follow the reply).
    caf::reacts_to<opened_atom>>;

/// Places conversations: finds or starts the actor of a conversation id and
/// delegates to it. The one placement function, so clustering can put actors on
/// other nodes without touching callers.
using registry_actor = conversation_api::extend<
    // A conversation actor that has handled `n` delegated requests asks to stop;
    // granted when nothing is in transit to it.
    caf::replies_to<passivate_atom, std::string, std::uint64_t>::with<bool>,
    // The directory changed: every live conversation re-checks its subscriptions.
    caf::reacts_to<recheck_atom>,
    // The cluster's live set changed: place conversations over it (those this
    // node no longer owns drain and stop; requests in flight to a node that left
    // are answered `unavailable`).
    caf::reacts_to<cluster_atom, live_view>,
    // From a session whose conv.open was answered through this registry (the
    // conversation is on another node): `opened`, passed on with the session as
    // its sender.
    caf::reacts_to<opened_atom, std::string>>;

/// Group commit to PostgreSQL (a detached actor: its database calls block).
using persistence_actor = caf::typed_actor<
    // Make a conversation's messages (and, for a new one, its row) durable.
    caf::replies_to<write_atom, write_request>::with<write_outcome>,
    // Move a read marker forward; it rides with the next commit (at most the
    // read-marker window later), merged with others of the same user.
    caf::replies_to<read_atom, read_write>::with<read_stored>,
    // Internal: commit what has accumulated.
    caf::reacts_to<flush_atom>,
    // Internal: the read-marker window of the oldest pending marker has passed.
    caf::reacts_to<flush_atom, read_atom>>;

/// Reads and directory writes (detached actors, one connection each).
using db_actor = caf::typed_actor<
    // A conversation's row, participants and newest idempotency keys.
    caf::replies_to<load_atom, std::string>::with<conversation_snapshot>,
    // A page of history.
    caf::replies_to<history_atom, history_request>::with<message_page>,
    // Messages with seq in [from, to], for conv.open's backlog.
    caf::replies_to<open_atom, std::string, std::uint64_t,
                    std::uint64_t>::with<message_page>,
    // Author and preview of a message that is replied to.
    caf::replies_to<reply_atom, std::string, std::uint64_t>::with<reply_target>,
    // The conversation a creator made with a cid.
    caf::replies_to<created_atom, std::string, std::string>::with<created_lookup>,
    // Directory writes.
    caf::replies_to<put_atom, protocol::org_info>::with<db_ack>,
    caf::replies_to<put_atom, protocol::user_info>::with<db_ack>,
    caf::replies_to<put_atom, protocol::company_info>::with<db_ack>,
    caf::replies_to<put_atom, protocol::team_info>::with<db_ack>,
    caf::replies_to<favorites_atom, favorites_change>::with<favorites_result>,
    // A user's unread counts in some conversations (conv.list).
    caf::replies_to<unread_atom, unread_query>::with<unread_result>,
    // Participants added or removed.
    caf::replies_to<members_atom, members_write>::with<db_ack>,
    // conv.list.
    caf::replies_to<list_atom, list_request>::with<conversation_page>,
    // Invitations and block lists (section 8).
    caf::replies_to<invite_atom, invite_request>::with<invite_result>,
    // Support inbox (section 9): a contact's support conversation (org, contact),
    // blocked contacts, AI agent configurations, due snoozes (now).
    caf::replies_to<support_atom, std::string, std::string>::with<created_lookup>,
    caf::replies_to<block_atom, block_change>::with<db_ack>,
    caf::replies_to<ai_atom, ai_config_put>::with<db_ack>,
    caf::replies_to<wake_atom, std::int64_t>::with<due_snoozes>,
    // Full-text search (section 10).
    caf::replies_to<search_atom, search_request>::with<search_result>,
    // inbox.list: a page of the support inbox and the caller's unread counts.
    caf::replies_to<inbox_atom, inbox_request>::with<inbox_result>,
    // Custom inboxes and inbox.counts: saved views, the caller's teams, counts.
    caf::replies_to<inbox_views_atom, inbox_view_call>::with<inbox_view_answer>,
    // Health check: true when the database answers.
    caf::replies_to<ping_atom>::with<bool>>;

/// Attachment bytes in PostgreSQL, chunk by chunk (detached actors: database calls
/// block). An upload waits for each chunk's answer before it reads more
/// (backpressure).
using blob_store_actor = caf::typed_actor<
    // An upload starts: (blob, uploader, name); stored but not yet served.
    caf::replies_to<blob_begin_atom, std::string, std::string, std::string>::with<bool>,
    // Chunk (blob, index, bytes) of an upload.
    caf::replies_to<blob_chunk_atom, std::string, std::uint64_t, std::string>::with<bool>,
    // The upload is whole: (blob, size, type); served from now on.
    caf::replies_to<blob_end_atom, std::string, std::uint64_t, std::string>::with<bool>,
    // A refused or broken upload: remove what it stored.
    caf::reacts_to<blob_abort_atom, std::string>,
    // A download: (blob, user) -> what may be served, rights evaluated now.
    caf::replies_to<blob_open_atom, std::string, std::string>::with<blob_grant>,
    // Chunk (blob, index) of a granted download.
    caf::replies_to<blob_read_atom, std::string, std::uint64_t>::with<blob_bytes>,
    // msg.send: may the sender attach these blobs?
    caf::replies_to<blob_claim_atom, blob_claim>::with<blob_claim_result>,
    // Timer: delete unreferenced blobs older than the retention.
    caf::reacts_to<blob_gc_atom>>;

/// The built-in AI responder of one `ai` user (docs/protocol.md §9). It receives
/// the contact messages of conversations assigned to it and answers through the
/// conversation actor (ai_action), which alone decides whether an answer may still
/// be stored. A model client could replace it behind the same interface.
using ai_agent_actor = caf::typed_actor<
    // A contact wrote to a conversation assigned to this agent.
    caf::reacts_to<ai_prompt_atom, ai_prompt>,
    // To itself: the delay of job `n` is over (or its typing needs refreshing).
    caf::reacts_to<ai_due_atom, std::uint64_t>>;

/// Finds (or starts) the agent actor of an `ai` user and hands it the prompt.
using ai_hub_actor = caf::typed_actor<caf::reacts_to<ai_prompt_atom, ai_prompt>>;

/// One node's membership in the cluster (actors/cluster): connects to every peer
/// through CAF's middleman, keeps the live set (connection loss and heartbeats)
/// and hands it to the registry and the presence actor; carries directory changes
/// to the other nodes.
using cluster_actor = caf::typed_actor<
    // A peer introduces itself; the answer introduces this node.
    caf::replies_to<join_atom, peer_card>::with<peer_card>,
    // A peer's heartbeat (its name).
    caf::reacts_to<heartbeat_atom, std::string>,
    // To itself: send heartbeats, find silent peers.
    caf::reacts_to<heartbeat_tick_atom>,
    // To itself: connect to the peer at this address (again, after a backoff).
    caf::reacts_to<dial_atom, std::string>,
    // From this node's sessions: a stored directory change for every other live
    // node, answered once each has applied it (or left).
    caf::replies_to<publish_atom, directory_change>::with<bool>,
    // From a peer: apply its directory change to this node's cache.
    caf::replies_to<directory_atom, directory_change>::with<bool>,
    // The live nodes' names, sorted (this one included).
    caf::replies_to<cluster_atom>::with<std::vector<std::string>>>;

/// Wakes snoozed conversations when their time comes, reading PostgreSQL so that
/// none is lost across restarts.
using snooze_scheduler_actor = caf::typed_actor<caf::reacts_to<snooze_tick_atom>>;

/// The node's timer ticker (actors/node/timers.hpp): a tick of its generation, or
/// 0 when a timer was filed that no pending tick would take in time.
using timer_actor = caf::typed_actor<caf::reacts_to<timer_tick_atom, std::uint64_t>>;

// -- inspect overloads (serialization for remote messages) -----------------------

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, frame& x) {
  std::string bytes{x.view()};
  auto apply = caf::meta::load_callback([&]() -> caf::error {
    x = frame{std::move(bytes)};
    return caf::none;
  });
  return f(caf::meta::type_name("frame"), bytes, apply);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, session_set& x) {
  auto sessions = x.list();
  auto apply = caf::meta::load_callback([&]() -> caf::error {
    x = session_set{std::move(sessions)};
    return caf::none;
  });
  return f(caf::meta::type_name("session_set"), sessions, apply);
}

PARLEY_INSPECT(notify_target, x.user, x.unread);
PARLEY_INSPECT(notify_batch, x.conv, x.seq, x.author, x.preview, x.targets, x.open);
PARLEY_INSPECT(remote_push, x.bytes, x.sessions);
PARLEY_INSPECT(send_request, x.rid, x.conv, x.user, x.cid, x.body, x.format, x.reply_to,
               x.mentions, x.internal, x.attachments);
PARLEY_INSPECT(history_request, x.rid, x.conv, x.user, x.has_before, x.before,
               x.has_after, x.after, x.limit);
PARLEY_INSPECT(typing_request, x.wants_reply, x.rid, x.conv, x.user, x.start, x.internal,
               x.session);
PARLEY_INSPECT(attachment, x.user, x.session, x.token_exp);
PARLEY_INSPECT(read_request, x.rid, x.conv, x.user, x.seq);
PARLEY_INSPECT(read_write, x.conv, x.user, x.seq, x.upto, x.sees_internal);
PARLEY_INSPECT(unread_query, x.user, x.sees_internal, x.convs);
PARLEY_INSPECT(unread_result, x.failed, x.counts);
PARLEY_INSPECT(read_stored, x.ok, x.seq, x.unread, x.upto);
PARLEY_INSPECT(around_request, x.rid, x.conv, x.user, x.seq, x.limit);
PARLEY_INSPECT(get_request, x.rid, x.conv, x.user);
PARLEY_INSPECT(create_request, x.rid, x.conv, x.create_cid, x.has_first, x.first,
               x.existing);
PARLEY_INSPECT(open_request, x.rid, x.conv, x.user, x.has_since, x.since, x.session);
PARLEY_INSPECT(close_request, x.rid, x.conv, x.user, x.session);
PARLEY_INSPECT(list_request, x.rid, x.user, x.org, x.full_staff, x.client_of, x.limit,
               x.has_cursor, x.cursor_ts, x.cursor_id);
PARLEY_INSPECT(members_request, x.rid, x.conv, x.user, x.add, x.users);
PARLEY_INSPECT(members_write, x.conv, x.add, x.users, x.ts);
PARLEY_INSPECT(favorites_change, x.user, x.op, x.companies);
PARLEY_INSPECT(favorites_result, x.ok, x.missing_reference, x.companies, x.version);
PARLEY_INSPECT(write_request, x.conv, x.epoch, optional_field{x.conversation},
               x.create_cid, x.messages, optional_field{x.support}, x.fenced,
               x.owner_epoch);
PARLEY_INSPECT(support_request, x.rid, x.conv, x.user, x.op, optional_field{x.assignee},
               optional_field{x.team}, optional_field{x.note}, x.until);
PARLEY_INSPECT(wake_request, x.rid, x.conv);
PARLEY_INSPECT(ai_action, x.rid, x.conv, x.agent, x.kind, x.prompt_seq, x.body);
PARLEY_INSPECT(ai_prompt, x.conv, x.agent, x.seq, x.body);
PARLEY_INSPECT(block_change, x.block, x.contact, x.org, x.by, x.at);
PARLEY_INSPECT(ai_config_put, x.user, x.match, x.reply, x.fallback, x.delay_ms);
PARLEY_INSPECT(due_snoozes, x.failed, x.convs);
PARLEY_INSPECT(write_outcome, x.status, x.error, x.existing);
PARLEY_INSPECT(conversation_snapshot, x.found, x.failed, x.conv, x.recent_keys, x.reads,
               x.owner_epoch);
PARLEY_INSPECT(reply_target, x.found, x.failed, x.internal, x.author, x.preview);
PARLEY_INSPECT(message_page, x.failed, x.messages, x.more);
PARLEY_INSPECT(conversation_page, x.failed, x.items, x.more, x.last_ts, x.last_id);
PARLEY_INSPECT(created_lookup, x.failed, x.conv);
PARLEY_INSPECT(db_ack, x.ok, x.error, x.missing_reference, x.conflict);

PARLEY_INSPECT(peer_card, x.name, x.node, x.registry, x.presence);
PARLEY_INSPECT(live_view, x.version, x.self, x.names, x.registries, x.presences);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, directory_change& x) {
  auto what = static_cast<std::uint8_t>(x.what);
  auto apply = caf::meta::load_callback([&]() -> caf::error {
    x.what = static_cast<directory_change::kind>(what);
    return caf::none;
  });
  return f(caf::meta::type_name("directory_change"), what, x.org, x.user, x.company,
           x.team, x.id, x.companies, x.version, x.flag, x.ai, apply);
}

} // namespace parley

namespace parley::protocol {

PARLEY_INSPECT(reply_ref, x.seq, x.author, x.preview);
PARLEY_INSPECT(system_event, x.event, x.by, optional_field{x.assignee},
               optional_field{x.team}, optional_field{x.from}, optional_field{x.note},
               optional_field{x.until}, x.handoff);
PARLEY_INSPECT(support_info, x.contact, x.status, optional_field{x.assignee},
               optional_field{x.team}, optional_field{x.snoozed_until},
               optional_field{x.last_contact_ts}, x.unreplied);
PARLEY_INSPECT(message, x.conv, x.seq, x.ts, x.author, x.cid, x.body, x.format,
               optional_field{x.reply_to}, x.mentions, x.internal,
               optional_field{x.system}, x.attachments);
PARLEY_INSPECT(conversation, x.id, x.kind, x.org, optional_field{x.company},
               optional_field{x.subject}, x.participants, x.created_by, x.created_at,
               x.last_seq, x.last_ts, optional_field{x.peer_org},
               optional_field{x.ended_by}, x.ended_at, optional_field{x.support});
PARLEY_INSPECT(org_info, x.id, x.name, x.connect_policy, x.closing_notes, x.window_hours,
               optional_field{x.alias}, x.max_attachment_bytes, x.attachment_types,
               x.display_as_alias, optional_field{x.support_assignee});
PARLEY_INSPECT(company_info, x.id, x.org, x.name);
PARLEY_INSPECT(team_info, x.id, x.org, x.name, x.members);
PARLEY_INSPECT(user_info, x.id, x.org, x.kind, optional_field{x.role}, x.name,
               optional_field{x.email}, optional_field{x.company});
PARLEY_INSPECT(read_state, x.user, x.seq, x.unread);
PARLEY_INSPECT(cid_entry, x.conv, x.author, x.cid, x.seq, x.ts);

} // namespace parley::protocol

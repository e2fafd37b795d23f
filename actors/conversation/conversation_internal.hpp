#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/conversation/conversation.hpp"
#include "protocol/error_code.hpp"

#include <caf/detail/type_traits.hpp>

// What the parts of the conversation actor share, one section per file of this
// folder. Not for other actors: they talk to a conversation through
// conversation_api only.
namespace parley::conversation_detail {

using self_ptr = conversation_actor::stateful_pointer<conversation_state>;

// -- database deadlines (db_deadlines.cpp): every request to the writer or a db
// worker fails (`unavailable`) if it is not answered within the configured
// db_wait(), so a stuck database never holds a conversation.

/// Starts the deadline of the request whose answer will carry `answer`.
void watch_db_answer(self_ptr self, caf::message_id answer);
/// The request's answer (or error) arrived: its deadline is over.
void db_answered(self_ptr self, caf::message_id answer);
/// The timer: every request past its deadline gets CAF's request_timeout error.
void expire_db_answers(self_ptr self);

/// `f`, but first ending the deadline of `answer` (its arguments are spelled out
/// rather than forwarded generically: CAF checks a typed handler's signature).
template <class F, class... Args>
auto after_db_answer(self_ptr self, caf::message_id answer, F f,
                     caf::detail::type_list<Args...>) {
  return [self, answer, f = std::move(f)](Args... xs) mutable {
    db_answered(self, answer);
    return f(static_cast<Args&&>(xs)...);
  };
}

/// A request to the writer or a db worker with a deadline; `then` as on CAF's own
/// response handle.
template <class Handle>
struct db_request {
  self_ptr self;
  Handle handle;

  template <class OnAnswer, class OnError>
  void then(OnAnswer on_answer, OnError on_error) {
    auto id = handle.id();
    using answer_args = typename caf::detail::get_callable_trait<OnAnswer>::arg_types;
    using error_args = typename caf::detail::get_callable_trait<OnError>::arg_types;
    handle.then(after_db_answer(self, id, std::move(on_answer), answer_args{}),
                after_db_answer(self, id, std::move(on_error), error_args{}));
  }
};

/// Sends a request to `dest` (the writer or a db worker) under the deadline. Not a
/// CAF request timeout: in CAF 0.17 each of those wakes the clock thread twice,
/// once to set and once to cancel, which the hot path (one write per batch)
/// cannot afford; here one timer per conversation serves all its requests.
template <class Dest, class... Ts>
auto request_db(self_ptr self, const Dest& dest, Ts&&... xs) {
  auto handle = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
  watch_db_answer(self, handle.id());
  return db_request<decltype(handle)>{self, std::move(handle)};
}

// -- rights (rights.cpp): The rights of users here, asked at the moment of each event
// (visibility rules over the directory).

visibility::access access_of(self_ptr self, const std::string& user,
                             const visibility::conversation_facts& facts);
visibility::access access_of(self_ptr self, const std::string& user);
bool is_staff(self_ptr self, const std::string& user);
void set_participants(self_ptr self, std::vector<std::string> participants);
bool may_see(self_ptr self, const std::string& user, const protocol::message& m);
bool is_end(const protocol::message& m);
bool may_write_internal(self_ptr self, const std::string& user);
void revoke_lost(self_ptr self, const visibility::conversation_facts& facts);
void revoke_lost(self_ptr self);
/// revoke_lost, unless every subscriber was found readable in the current rights
/// generation (nothing it depends on changed since).
void revoke_lost_if_changed(self_ptr self, const visibility::conversation_facts& facts);
/// The one rights preamble: true (and `not_found` delivered) when `user` may not
/// read this conversation, which then looks absent.
bool refuse_unreadable(self_ptr self, const std::string& user, std::uint64_t rid,
                       caf::typed_response_promise<frame>& rp);

// -- subscriptions (subscriptions.cpp): Open subscriptions and the pushes to them: live
// fan-out of committed messages, notify for the rest.

void remove_subscriber(self_ptr self, const caf::actor_addr& who);
const session_set& open_sessions(self_ptr self);
void push_to(self_ptr self, subscriber& sub, const frame& f, std::uint64_t seq = 0);
/// Hands the pushes gathered for sessions on other nodes to the presence actor (one
/// message; it relays once per node). Every loop that calls push_to ends with it;
/// a committed batch's fan-out ends with it once, after its last message.
void flush_remote(self_ptr self);
/// Hands the notifications gathered by notify_participants to the presence actor,
/// one message for a committed batch.
void flush_notifies(self_ptr self);
void go_live(self_ptr self, const caf::actor_addr& session);
/// Pushes a committed message to its subscriptions; the caller flushes the remote
/// ones (flush_remote) after the batch.
void fan_out(self_ptr self, const protocol::message& m,
             const visibility::conversation_facts& facts);
/// Gathers a committed message's notifications; the caller hands them on after
/// the batch (flush_notifies).
void notify_participants(self_ptr self, const protocol::message& m,
                         const visibility::conversation_facts& facts,
                         const std::string& preview);
void open_subscription(self_ptr self, open_request& req,
                       caf::typed_response_promise<frame> rp);

// -- commit (commit.cpp): msg.send: assigning seqs in arrival order, the group commit
// through the writer, and the answers once durable.

void check_drained(self_ptr self);
void remember_recent(self_ptr self, const protocol::message& m, std::string preview);
void answer_committed(const protocol::message& m, const protocol::conversation& info,
                      std::vector<send_waiter>& waiters);
void handle_write_outcome(self_ptr self, std::uint64_t epoch, const write_outcome& out);
void flush(self_ptr self);
void schedule_flush(self_ptr self);
bool process_send(self_ptr self, queued_send& q);
void drain_intake(self_ptr self);

// -- history (history.cpp): Pages of history and the window around one message, filtered
// for the reader.

bool encode_page(self_ptr self, const std::string& user,
                 const std::vector<protocol::message>& messages, bool keep_newest,
                 std::vector<std::string>& items);
void answer_history(self_ptr self, history_request& req,
                    caf::typed_response_promise<frame> rp);
void answer_around(self_ptr self, around_request& req,
                   caf::typed_response_promise<frame> rp);
frame around_reply(self_ptr self, const around_request& req,
                   const std::vector<protocol::message>& messages);

// -- read markers (read_markers.cpp): Read markers: storing them, unread counts, and the
// read pushes.

std::uint64_t recent_unread(self_ptr self, const std::string& user, std::uint64_t after);
void mark_read(self_ptr self, read_request& req, caf::typed_response_promise<frame> rp);

// -- typing (typing.cpp): Typing indicators: the board, their pushes and their expiry.

std::int64_t typing_now(self_ptr self);
void push_typing(self_ptr self, const std::string& user, bool start, bool internal);
void arm_typing_tick(self_ptr self);
frame change_typing(self_ptr self, typing_request& req);
void expire_typing(self_ptr self);

// -- membership (membership.cpp): Membership changes and conv.end, one at a time through
// a queue.

void end_conversation(self_ptr self, end_request& req,
                      caf::typed_response_promise<frame> rp);
void run_membership_queue(self_ptr self);
void membership_done(self_ptr self);
std::optional<frame> check_members(self_ptr self, const members_request& req,
                                   std::vector<std::string>& changed);
void change_members(self_ptr self, members_request& req,
                    caf::typed_response_promise<frame> rp);

// -- lifecycle (lifecycle.cpp): Life of the actor: loading or creating, readiness, parked
// requests, idling out.

/// `{conv}` (with `existing: true` for a found support conversation).
frame conv_reply(std::uint64_t rid, const protocol::conversation& c,
                 bool existing = false);
void touch(self_ptr self);
void run_parked(self_ptr self, bool ok);
void arm_idle_timer(self_ptr self);
void become_ready(self_ptr self);
void load(self_ptr self);
frame load_failure(self_ptr self, std::uint64_t rid);
caf::result<frame> create_conversation(self_ptr self, create_request& req);
void passivate_if_idle(self_ptr self);
void existing_support(self_ptr self, create_request& req,
                      caf::typed_response_promise<frame> rp);

// -- support conversations (support.cpp) -------------------------------------------

/// Starts tracking the support state of a loaded or created conversation.
void init_support(self_ptr self);

/// Adopts a new tentative support state (mirrored into the conversation object).
void set_support(self_ptr self, support_rules::support_state s);

/// The support rules' verdict on a message about to be assigned: nullopt when it
/// may be sent (the state has moved on, a `reopened` event is assigned before it),
/// else the failure to answer.
std::optional<protocol::failure>
support_for_message(self_ptr self, const std::string& author, bool internal);

/// After a commit: hands a contact message to the AI agent that may answer it, and
/// tells the assignee of a snooze that woke.
void prompt_agent(self_ptr self, const protocol::message& m);
void tell_unsnoozed(self_ptr self, const protocol::message& m);

/// support.* ops, the scheduler's wake-up and an AI agent's actions.
void apply_support_op(self_ptr self, support_request& req,
                      caf::typed_response_promise<frame> rp);
void wake(self_ptr self, wake_request& req, caf::typed_response_promise<frame> rp);
void apply_ai_action(self_ptr self, ai_action& req,
                     caf::typed_response_promise<frame> rp);

} // namespace parley::conversation_detail

#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "actors/conversation/conversation.hpp"
#include "protocol/error_code.hpp"

// What the parts of the conversation actor share: the core (conversation.cpp:
// rights, sequencing, fan-out, typing) and its support-conversation handling
// (conversation_support.cpp, PROTOCOL.md section 9). Not for other actors: they talk
// to a conversation through conversation_api only.
namespace parley::conversation_detail {

using self_ptr = conversation_actor::stateful_pointer<conversation_state>;

// -- the core, used by the support handling ----------------------------------------

/// What `user` may do here right now.
visibility::access access_of(self_ptr self, const std::string& user);

/// `{conv}` (with `existing: true` for a found support conversation).
frame conv_reply(std::uint64_t rid, const protocol::conversation& c,
                 bool existing = false);

/// Hands the assigned messages to the writer behind the requests in the mailbox.
void schedule_flush(self_ptr self);

/// Typing time on the actor system's clock, the typing push, and its expiry tick.
std::int64_t typing_now(self_ptr self);
void push_typing(self_ptr self, const std::string& user, bool start, bool internal);
void arm_typing_tick(self_ptr self);

// -- support conversations (conversation_support.cpp) ------------------------------

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

#include "actors/conversation/conversation.hpp"
#include "actors/conversation/conversation_internal.hpp"

#include "actors/node/replies.hpp"

// The conversation actor's behaviour: which handler runs for which message. The
// work lives in the files of this folder, one per seam (rights, commit,
// subscriptions, history, read_markers, typing, membership, support, lifecycle).
namespace parley::conversation_detail {

/// The common start of every request: count it when the registry delegated it (for
/// the passivation handshake; a session may also send straight here), note the
/// activity, and run `work` once the conversation is ready, or answer the load
/// failure if it never becomes ready.
template <class Request, class Work>
caf::result<frame> when_loaded(self_ptr self, Request& req, Work work) {
  if constexpr (requires { req.direct; }) {
    if (!req.direct) ++self->state.delegated_handled;
  } else {
    ++self->state.delegated_handled;
  }
  touch(self);
  auto rp = self->make_response_promise<frame>();
  if (self->state.stage == conversation_state::phase::ready) {
    // The common case: no parking, so no std::function per request.
    work(req, rp);
    return rp;
  }
  self->state.parked.push_back([=, req = std::move(req)](bool ok) mutable {
    if (!ok)
      rp.deliver(load_failure(self, req.rid));
    else
      work(req, rp);
  });
  return rp;
}

} // namespace parley::conversation_detail

namespace parley {

using namespace conversation_detail;

conversation_actor::behavior_type
conversation(conversation_actor::stateful_pointer<conversation_state> self,
             std::string id, conversation_handles svc, bool fresh) {
  auto& st = self->state;
  st.id = std::move(id);
  st.svc = std::move(svc);
  st.last_activity_ms = now_ms();
  st.stage =
      fresh ? conversation_state::phase::creating : conversation_state::phase::loading;
  self->set_down_handler([=](const caf::down_msg& dm) {
    remove_subscriber(self, dm.source);
    self->state.typing_watched.erase(dm.source);
    for (auto& [user, was] : self->state.typing.drop_source(dm.source))
      push_typing(self, user, false, was.internal);
  });
  // Counted as active from readiness until the actor stops, however it stops.
  self->attach_functor([stats = st.svc.stats, counted = st.counted] {
    if (*counted) stats->conversations_active.fetch_sub(1, std::memory_order_relaxed);
  });
  if (!fresh) load(self);
  return {
      [=](send_atom, send_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](send_request& req, auto rp) {
          auto rid = req.rid;
          self->state.intake.push_back(
              queued_send{std::move(req), send_waiter{rp, rid}, {}});
          drain_intake(self);
        });
      },
      [=](open_atom, open_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](open_request& req, auto rp) {
          open_subscription(self, req, rp);
        });
      },
      [=](close_atom, close_request& req) -> caf::result<frame> {
        ++self->state.delegated_handled;
        touch(self);
        remove_subscriber(self, req.session.address());
        return reply_ok(req.rid);
      },
      [=](history_atom, history_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](history_request& req, auto rp) {
          answer_history(self, req, rp);
        });
      },
      [=](end_atom, end_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](end_request& req, auto rp) {
          end_conversation(self, req, rp);
        });
      },
      [=](support_atom, support_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](support_request& req, auto rp) {
          apply_support_op(self, req, rp);
        });
      },
      [=](wake_atom, wake_request& req) -> caf::result<frame> {
        return when_loaded(self, req,
                           [=](wake_request& req, auto rp) { wake(self, req, rp); });
      },
      [=](ai_atom, ai_action& req) -> caf::result<frame> {
        return when_loaded(
            self, req, [=](ai_action& req, auto rp) { apply_ai_action(self, req, rp); });
      },
      [=](members_atom, members_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](members_request& req, auto rp) {
          self->state.membership_queue.push_back(
              [=, req = std::move(req)]() mutable { change_members(self, req, rp); });
          run_membership_queue(self);
        });
      },
      [=](recheck_atom) {
        if (self->state.stage == conversation_state::phase::ready) revoke_lost(self);
      },
      [=](opened_atom) {
        go_live(self, caf::actor_cast<caf::actor_addr>(self->current_sender()));
      },
      [=](typing_atom, typing_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](typing_request& req, auto rp) {
          rp.deliver(change_typing(self, req));
        });
      },
      [=](typing_tick_atom) { expire_typing(self); },
      [=](read_atom, read_request& req) -> caf::result<frame> {
        return when_loaded(self, req,
                           [=](read_request& req, auto rp) { mark_read(self, req, rp); });
      },
      [=](around_atom, around_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](around_request& req, auto rp) {
          answer_around(self, req, rp);
        });
      },
      [=](get_atom, get_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](get_request& req, auto rp) {
          if (!refuse_unreadable(self, req.user, req.rid, rp))
            rp.deliver(conv_reply(req.rid, self->state.info));
        });
      },
      [=](create_atom, create_request& req) -> caf::result<frame> {
        auto& st = self->state;
        if (st.stage == conversation_state::phase::creating)
          return create_conversation(self, req);
        if (req.conv.kind == protocol::conv_kind::support) {
          // A contact's support conversation has a fixed id: a second create
          // (another device, a race) lands here and gets the existing one.
          return when_loaded(self, req, [=](create_request& req, auto rp) {
            existing_support(self, req, rp);
          });
        }
        ++st.delegated_handled;
        touch(self);
        return reply_error(*st.svc.stats, req.rid, protocol::error_code::conflict,
                           "conversation already exists");
      },
      [=](drain_atom) -> caf::result<bool> {
        auto rp = self->make_response_promise<bool>();
        self->state.drain_waiters.push_back(rp);
        check_drained(self);
        return rp;
      },
      [=](flush_atom) { flush(self); },
      [=](idle_atom) { passivate_if_idle(self); },
      [=](answer_deadline_atom) { expire_db_answers(self); },
  };
}

} // namespace parley

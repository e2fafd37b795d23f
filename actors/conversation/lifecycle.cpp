#include "actors/conversation/conversation_internal.hpp"

#include <algorithm>

#include "actors/node/replies.hpp"
#include "actors/rules/write_epoch.hpp"
#include "protocol/preview.hpp"

// Life of the actor: loading or creating, readiness, parked requests, idling out.
namespace parley::conversation_detail {

using protocol::error_code;

frame conv_reply(std::uint64_t rid, const protocol::conversation& c, bool existing) {
  protocol::map_builder conv;
  protocol::put_conversation(conv, c);
  protocol::map_builder fields;
  fields.map("conv", conv);
  if (existing) fields.boolean("existing", true);
  return reply_ok(rid, fields);
}

void touch(self_ptr self) {
  self->state.last_activity_ms = now_ms();
}

void run_parked(self_ptr self, bool ok) {
  auto parked = std::move(self->state.parked);
  self->state.parked.clear();
  for (auto& work : parked)
    work(ok);
}

void arm_idle_timer(self_ptr self) {
  auto period = self->state.svc.config->passivate_after / 2;
  arm_timer(self, self->state.svc.timers, std::max(period, std::chrono::milliseconds{10}),
            idle_atom_v);
}

void become_ready(self_ptr self) {
  auto& st = self->state;
  st.stage = conversation_state::phase::ready;
  st.svc.stats->conversations_active.fetch_add(1, std::memory_order_relaxed);
  *st.counted = true;
  arm_idle_timer(self);
  run_parked(self, true);
}

void load(self_ptr self) {
  auto& st = self->state;
  request_db(self, st.svc.db.for_key(st.id), load_atom_v, st.id)
      .then(
          [=](conversation_snapshot& snap) {
            auto& st = self->state;
            if (snap.failed || !snap.found) {
              // Missing: every parked request answers not_found; failed: unavailable.
              // Either way this actor stops; the next request starts a fresh one.
              st.load_unavailable = snap.failed;
              run_parked(self, false);
              self->quit();
              return;
            }
            st.info = std::move(snap.conv);
            st.owner_epoch = snap.owner_epoch;
            set_participants(self, std::move(st.info.participants));
            for (auto& r : snap.reads)
              st.reads[r.user] = read_mark{r.seq, r.unread};
            st.ledger.emplace(st.info.last_seq, st.info.last_ts,
                              st.svc.config->cid_cache);
            init_support(self);
            // Oldest first, so the newest keys are the last to be evicted.
            for (auto i = snap.recent_keys.rbegin(); i != snap.recent_keys.rend(); ++i)
              st.ledger->remember(i->author, i->cid, i->seq, i->ts);
            become_ready(self);
          },
          [=](const caf::error&) {
            self->state.load_unavailable = true;
            run_parked(self, false);
            self->quit();
          });
}

/// The reply for a request whose conversation could not be loaded: missing
/// (`not_found`) or the database is down (`unavailable`, safe to retry).
frame load_failure(self_ptr self, std::uint64_t rid) {
  auto& st = self->state;
  if (st.load_unavailable) return reply_storage_unavailable(*st.svc.stats, rid);
  return reply_not_found(*st.svc.stats, rid);
}

/// conv.create {kind: support} for a contact that already has its conversation:
/// the reply is that conversation with `existing: true`; a `first` message is sent
/// into it (the create's cid makes a retry idempotent) and the reply waits for it.
void existing_support(self_ptr self, create_request& req,
                      caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  const auto& user = req.conv.created_by;
  if (refuse_unreadable(self, user, req.rid, rp)) return;
  if (!req.has_first) {
    rp.deliver(conv_reply(req.rid, st.info, true));
    return;
  }
  send_request s;
  s.rid = req.rid;
  s.conv = st.id;
  s.user = user;
  s.cid = std::move(req.first.cid);
  s.body = std::move(req.first.body);
  s.format = std::move(req.first.format);
  s.mentions = std::move(req.first.mentions);
  st.intake.push_back(
      queued_send{std::move(s), send_waiter{rp, req.rid, true, true}, {}});
  drain_intake(self);
}

caf::result<frame> create_conversation(self_ptr self, create_request& req) {
  auto& st = self->state;
  ++st.delegated_handled;
  touch(self);
  auto rp = self->make_response_promise<frame>();
  st.info = req.conv;
  set_participants(self, req.conv.participants);
  write_request w;
  w.conv = st.id;
  // An epoch of its own: if this write fails the writer records it as failed, and
  // the next create of the same id (a support conversation's id is fixed) must not
  // be refused as part of it.
  w.epoch = next_write_epoch();
  w.conversation = req.conv;
  w.create_cid = req.create_cid;
  if (req.has_first) w.messages.push_back(req.first);
  w.support = req.conv.support;
  auto rid = req.rid;
  auto first = req.has_first ? std::optional{req.first} : std::nullopt;
  // The writer's answer decides whether this actor lives: a conversation that was
  // never stored stops, and the client's retry with the same cid starts afresh.
  auto not_created = [=]() mutable {
    rp.deliver(reply_error(*self->state.svc.stats, rid, error_code::unavailable,
                           "conversation not created; retry with the same cid"));
    run_parked(self, false);
    self->quit();
  };
  request_db(self, st.svc.writer, write_atom_v, std::move(w))
      .then(
          [=](const write_outcome& out) mutable {
            auto& st = self->state;
            if (out.status != write_status::committed) return not_created();
            st.ledger.emplace(st.info.last_seq, st.info.last_ts,
                              st.svc.config->cid_cache);
            init_support(self);
            if (first) {
              st.ledger->remember(first->author, first->cid, first->seq, first->ts);
              remember_recent(self, *first, protocol::cut_preview(first->body));
              prompt_agent(self, *first); // an AI default assignee answers it
            }
            rp.deliver(conv_reply(rid, st.info));
            become_ready(self);
          },
          [=](const caf::error&) mutable { not_created(); });
  return rp;
}

void passivate_if_idle(self_ptr self) {
  auto& st = self->state;
  bool idle = st.subscribers.empty() && st.intake.empty() && !st.membership_busy &&
              st.membership_queue.empty() && st.ledger && st.ledger->idle() &&
              now_ms() - st.last_activity_ms >= st.svc.config->passivate_after.count();
  if (!idle) {
    arm_idle_timer(self);
    return;
  }
  // The registry grants it only if it delegated nothing since the count we send.
  // No deadline: the registry answers at once, and a grant arriving after a
  // timeout would leave the registry without this actor while it lives on.
  self->request(st.svc.registry, caf::infinite, passivate_atom_v, st.id,
                st.delegated_handled)
      .then(
          [=](bool granted) {
            if (granted)
              self->quit();
            else
              arm_idle_timer(self);
          },
          [=](const caf::error&) { arm_idle_timer(self); });
}

} // namespace parley::conversation_detail

#include "actors/conversation/conversation_internal.hpp"

#include <vector>

#include "actors/node/replies.hpp"
#include "protocol/preview.hpp"

// msg.send: assigning seqs in arrival order, the group commit through the writer, and the
// answers once durable.
namespace parley::conversation_detail {

using protocol::error_code;

void check_drained(self_ptr self) {
  auto& st = self->state;
  if (!st.ledger || (st.ledger->idle() && st.intake.empty())) {
    for (auto& rp : st.drain_waiters)
      rp.deliver(true);
    st.drain_waiters.clear();
  }
}

void remember_recent(self_ptr self, const protocol::message& m, std::string preview) {
  self->state.recent.remember(m.seq, m.author, std::move(preview), m.internal);
}

void answer_committed(const protocol::message& m, const protocol::conversation& info,
                      std::vector<send_waiter>& waiters) {
  for (std::size_t i = 0; i < waiters.size(); ++i) {
    if (waiters[i].conv_reply) {
      waiters[i].promise.deliver(conv_reply(waiters[i].rid, info, waiters[i].existing));
      continue;
    }
    protocol::map_builder f;
    f.uint("seq", m.seq).sint("ts", m.ts);
    if (i > 0) f.boolean("dup", true); // a retry that arrived while the original flew
    waiters[i].promise.deliver(reply_ok(waiters[i].rid, f));
  }
}

void handle_write_outcome(self_ptr self, std::uint64_t epoch, const write_outcome& out) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  if (out.status == write_status::committed) {
    auto entries = st.ledger->commit(epoch);
    if (!entries.empty() && !st.support_in_flight.empty()) {
      st.support_committed = std::move(st.support_in_flight.front());
      st.support_in_flight.pop_front();
    }
    for (auto& e : entries) {
      st.info.last_seq = e.msg.seq;
      st.info.last_ts = e.msg.ts;
      if (is_end(e.msg)) st.info.ended_at = e.msg.ts; // as stored
      answer_committed(e.msg, st.info, e.waiters);
      auto preview = protocol::cut_preview(e.msg.body);
      remember_recent(self, e.msg, preview);
      // A message ends its author's typing.
      if (auto was = st.typing.stop(e.msg.author))
        push_typing(self, e.msg.author, false, was->internal);
      // The rights facts are gathered once per message for all its deliveries.
      auto facts = facts_of(*st.svc.dir, st.info);
      fan_out(self, e.msg, facts);
      notify_participants(self, e.msg, facts, preview);
      prompt_agent(self, e.msg);
      tell_unsnoozed(self, e.msg);
    }
    // What goes beyond this actor's own connections leaves once per batch.
    flush_remote(self);
    flush_notifies(self);
    check_drained(self);
    return;
  }
  bool seq_taken = false;
  auto failed = st.ledger->fail(epoch);
  if (!failed.empty() && st.support) {
    // Everything in flight failed with this batch: back to what is durable.
    set_support(self, *st.support_committed);
    st.support_in_flight.clear();
  }
  for (auto& e : failed) {
    const protocol::cid_entry* stored = nullptr;
    for (const auto& k : out.existing) {
      if (k.author == e.msg.author && k.cid == e.msg.cid)
        stored = &k;
      else if (k.seq == e.msg.seq)
        seq_taken = true;
    }
    if (!stored && is_end(e.msg)) {
      // The end was not stored: the conversation goes on (conv.end may be retried).
      st.info.ended_by.reset();
      st.info.ended_at = 0;
    }
    if (stored) {
      // The message was committed earlier (a retry older than the key cache).
      st.ledger->remember(stored->author, stored->cid, stored->seq, stored->ts);
      for (auto& w : e.waiters) {
        protocol::map_builder f;
        f.uint("seq", stored->seq).sint("ts", stored->ts).boolean("dup", true);
        w.promise.deliver(reply_ok(w.rid, f));
      }
      continue;
    }
    for (auto& w : e.waiters)
      w.promise.deliver(reply_error(stats, w.rid, error_code::unavailable,
                                    "message not stored; retry with the same cid"));
  }
  check_drained(self);
  if (seq_taken || out.status == write_status::fenced) {
    // Another writer owns this conversation's seqs (a stale placement), or another
    // node took it over (its owner epoch moved on): stop, and let the registry
    // place it again and start a fresh actor from what PostgreSQL holds.
    self->quit();
  }
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_queued = false;
  auto batch = st.ledger->take_unsent();
  if (batch.empty()) return;
  auto epoch = st.ledger->epoch();
  write_request req;
  req.conv = st.id;
  req.epoch = epoch;
  req.messages = std::move(batch);
  req.fenced = st.svc.config->clustered;
  req.owner_epoch = st.owner_epoch;
  if (st.support) {
    req.support = st.info.support;
    st.support_in_flight.push_back(st.support);
  }
  // Past its deadline (a stuck database) the batch fails like any failed commit:
  // answered `unavailable`, seqs rolled back, a new epoch. The writer may still
  // commit it later; then the conversation's next batch collides with those seqs
  // and it restarts from what PostgreSQL holds, and a retry with the same cid is
  // answered with the stored message: never a duplicate, never a gap.
  request_db(self, st.svc.writer, write_atom_v, std::move(req))
      .then([=](const write_outcome& out) { handle_write_outcome(self, epoch, out); },
            [=](const caf::error&) {
              write_outcome out;
              out.status = write_status::unavailable;
              handle_write_outcome(self, epoch, out);
            });
}

void schedule_flush(self_ptr self) {
  if (!self->state.flush_queued) {
    // Behind the sends already in the mailbox, so they share one write.
    self->state.flush_queued = true;
    self->send(self, flush_atom_v);
  }
}

/// Processes one send at the head of the intake. Returns false when it had to
/// wait for the database (the intake resumes when the answer arrives).
bool process_send(self_ptr self, queued_send& q) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  auto& req = q.req;
  auto& w = q.waiter;
  auto access = access_of(self, req.user);
  if (!visibility::can_read(access)) {
    w.promise.deliver(reply_not_found(stats, w.rid));
    return true;
  }
  if (!visibility::can_act(access)) {
    // A retry of a message accepted before the conversation ended still gets the
    // original answer: the end refuses new messages, not the ones it came after.
    auto seen = st.ledger->find(req.user, req.cid);
    if (st.info.ended_by && seen.kind == seq_ledger<send_waiter>::found::committed) {
      protocol::map_builder f;
      f.uint("seq", seen.seq).sint("ts", seen.ts).boolean("dup", true);
      w.promise.deliver(reply_ok(w.rid, f));
    } else if (st.info.ended_by &&
               seen.kind == seq_ledger<send_waiter>::found::in_flight) {
      st.ledger->wait_for(seen.seq, std::move(w));
    } else {
      w.promise.deliver(reply_error(stats, w.rid, error_code::forbidden,
                                    "you cannot write to this conversation"));
    }
    return true;
  }
  if (req.internal && !may_write_internal(self, req.user)) {
    w.promise.deliver(reply_error(stats, w.rid, error_code::forbidden,
                                  "internal comments are for staff only"));
    return true;
  }
  auto seen = st.ledger->find(req.user, req.cid);
  if (seen.kind == seq_ledger<send_waiter>::found::committed) {
    protocol::map_builder f;
    f.uint("seq", seen.seq).sint("ts", seen.ts).boolean("dup", true);
    w.promise.deliver(reply_ok(w.rid, f));
    return true;
  }
  if (seen.kind == seq_ledger<send_waiter>::found::in_flight) {
    st.ledger->wait_for(seen.seq, std::move(w));
    return true;
  }
  protocol::message m;
  if (req.reply_to != 0) {
    if (req.reply_to > st.ledger->last_committed()) {
      w.promise.deliver(reply_error(stats, w.rid, error_code::bad_request,
                                    "reply_to names no committed message"));
      return true;
    }
    if (!q.target) {
      if (auto hit = st.recent.find(req.reply_to)) {
        if (hit->internal && !is_staff(self, req.user)) {
          w.promise.deliver(reply_error(stats, w.rid, error_code::bad_request,
                                        "reply_to names no committed message"));
          return true;
        }
        q.target = hit->ref;
      } else {
        st.intake_busy = true;
        auto seq = req.reply_to;
        request_db(self, st.svc.db.for_key(st.id), reply_atom_v, st.id, seq)
            .then(
                [=](const reply_target& t) {
                  auto& st = self->state;
                  st.intake_busy = false;
                  auto& head = st.intake.front();
                  if (t.failed || !t.found ||
                      (t.internal && !is_staff(self, head.req.user))) {
                    head.waiter.promise.deliver(
                        t.failed
                            ? reply_storage_unavailable(*st.svc.stats, head.waiter.rid)
                            : reply_error(*st.svc.stats, head.waiter.rid,
                                          error_code::bad_request,
                                          "reply_to names no committed message"));
                    st.intake.pop_front();
                  } else {
                    head.target = protocol::reply_ref{seq, t.author, t.preview};
                  }
                  drain_intake(self);
                },
                [=](const caf::error&) {
                  auto& st = self->state;
                  st.intake_busy = false;
                  auto& head = st.intake.front();
                  head.waiter.promise.deliver(
                      reply_storage_unavailable(*st.svc.stats, head.waiter.rid));
                  st.intake.pop_front();
                  drain_intake(self);
                });
        return false;
      }
    }
    m.reply_to = q.target;
  }
  for (const auto& who : req.mentions) {
    if (!visibility::can_read(access_of(self, who))) {
      w.promise.deliver(
          reply_error(stats, w.rid, error_code::bad_request,
                      "mentioned user cannot see this conversation: " + who));
      return true;
    }
  }
  if (st.support) {
    if (auto refused = support_for_message(self, req.user, req.internal)) {
      w.promise.deliver(reply_error(stats, w.rid, refused->code, refused->message));
      return true;
    }
  }
  m.conv = st.id;
  m.author = req.user;
  m.cid = std::move(req.cid);
  m.body = std::move(req.body);
  m.format = std::move(req.format);
  m.mentions = std::move(req.mentions);
  m.internal = req.internal;
  m.attachments = std::move(req.attachments);
  st.ledger->assign(std::move(m), std::move(w), now_ms());
  schedule_flush(self);
  return true;
}

void drain_intake(self_ptr self) {
  auto& st = self->state;
  while (!st.intake_busy && !st.intake.empty()) {
    if (!process_send(self, st.intake.front())) return;
    st.intake.pop_front();
  }
  check_drained(self);
}

} // namespace parley::conversation_detail

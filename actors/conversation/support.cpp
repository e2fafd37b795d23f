// The support-conversation part of the conversation actor (docs/protocol.md §9).
#include "actors/conversation/conversation_internal.hpp"

#include <algorithm>

#include "actors/node/replies.hpp"
#include "protocol/limits.hpp"

namespace parley::conversation_detail {

using protocol::error_code;

// -- support conversations (docs/protocol.md §9) -----------------------------------
//
// The conversation actor is the arbiter of a support conversation's state: every
// message, support op, AI action and scheduler wake-up passes through its mailbox
// one at a time and asks the pure rules (support_rules) what follows. A change is
// recorded as a system message assigned like any other and written, with the new
// state, in the same group commit.

/// A server-written message's cid: longer than any client cid (at most 64 bytes),
/// so it can never collide with one a client chose.
std::string server_cid(std::string_view tag) {
  std::string cid{"~server~"};
  cid += tag;
  if (cid.size() <= protocol::limits::max_cid_bytes)
    cid.append(protocol::limits::max_cid_bytes + 1 - cid.size(), '~');
  return cid;
}

/// The state the rules see: the tentative state, with whether the assignee is an
/// `ai` user read from the directory now (a re-put user counts at once).
support_rules::support_state current_support(self_ptr self) {
  auto& st = self->state;
  auto s = *st.support;
  s.assignee_is_ai = false;
  if (s.assignee)
    if (auto u = st.svc.dir->user(*s.assignee))
      s.assignee_is_ai = u->kind == protocol::user_kind::ai;
  return s;
}

protocol::support_info to_info(const support_rules::support_state& s,
                               const std::string& contact) {
  protocol::support_info i;
  i.contact = contact;
  i.status = std::string{support_rules::to_string(s.state)};
  i.assignee = s.assignee;
  i.team = s.team;
  i.snoozed_until = s.snoozed_until;
  i.last_contact_ts = s.last_contact_ts;
  i.unreplied = s.unreplied;
  return i;
}

support_rules::support_state from_info(const protocol::support_info& i) {
  support_rules::support_state s;
  s.state = support_rules::parse_status(i.status).value_or(support_rules::status::open);
  s.assignee = i.assignee;
  s.team = i.team;
  s.snoozed_until = i.snoozed_until;
  s.last_contact_ts = i.last_contact_ts;
  s.unreplied = i.unreplied;
  return s;
}

/// Adopts a new tentative state (and mirrors it into the conversation object).
void set_support(self_ptr self, support_rules::support_state s) {
  auto& st = self->state;
  st.info.support = to_info(s, st.info.support->contact);
  st.support = std::move(s);
}

/// Starts tracking the support state of a loaded or created conversation.
void init_support(self_ptr self) {
  auto& st = self->state;
  if (!st.info.support) return;
  st.support = from_info(*st.info.support);
  st.support_committed = st.support;
}

protocol::system_event to_wire(const support_rules::system_event& e) {
  protocol::system_event w;
  w.event = std::string{support_rules::to_string(e.what)};
  w.by = e.by;
  w.assignee = e.assignee;
  w.team = e.team;
  w.from = e.from;
  w.note = e.note;
  w.until = e.until;
  w.handoff = e.handoff;
  return w;
}

/// Assigns the system message recording `e`, answered through `w` once durable.
void assign_event(self_ptr self, const support_rules::system_event& e, send_waiter w) {
  auto& st = self->state;
  protocol::message m;
  m.conv = st.id;
  m.author = e.by; // empty: the server itself (a snooze that expired)
  m.cid = server_cid("event:" + std::to_string(st.ledger->next_seq()));
  m.system = to_wire(e);
  st.ledger->assign(std::move(m), std::move(w), now_ms());
  schedule_flush(self);
}

/// Answers `{conv}` once everything assigned so far is durable: a support op that
/// changes nothing still reports a state that will not roll back.
void answer_conv_when_durable(self_ptr self, caf::typed_response_promise<frame> rp,
                              std::uint64_t rid) {
  auto& st = self->state;
  if (st.ledger->idle()) {
    rp.deliver(conv_reply(rid, st.info));
    return;
  }
  st.ledger->wait_for(st.ledger->next_seq() - 1, send_waiter{rp, rid, true});
}

/// Stops the typing indicator of `user` (an AI agent taken over or reassigned).
void stop_typing_of(self_ptr self, const std::optional<std::string>& user) {
  if (!user) return;
  if (auto was = self->state.typing.stop(*user))
    push_typing(self, *user, false, was->internal);
}

/// The support rules' verdict on a message about to be assigned. On success the
/// tentative state has moved on and a `reopened` event (if any) is assigned before
/// the message.
std::optional<protocol::failure>
support_for_message(self_ptr self, const std::string& author, bool internal) {
  auto& st = self->state;
  auto& dir = *st.svc.dir;
  auto s = current_support(self);
  const auto& contact = st.info.support->contact;
  bool from_contact = author == contact;
  auto now = now_ms();
  auto org = dir.org(st.info.org);
  if (auto closed =
          support_rules::check_window(org ? org->window_hours : 0, s.last_contact_ts,
                                      st.info.created_at, now, internal, from_contact))
    return closed;
  support_rules::step step;
  if (internal)
    step = support_rules::internal_comment(s);
  else if (from_contact)
    step = support_rules::contact_message(s, contact, dir.contact_blocked(contact), now);
  else
    step = support_rules::agent_reply(s);
  if (!step.ok()) return step.error;
  if (step.event) assign_event(self, *step.event, send_waiter{});
  if (from_contact && !internal) {
    // The message's timestamp as the ledger will assign it (never behind the last).
    step.state.last_contact_ts = std::max(now, st.ledger->last_ts());
  }
  set_support(self, std::move(step.state));
  return std::nullopt;
}

/// Hands a committed contact message to the AI agent the conversation is assigned
/// to: as committed with the message (the state after its batch), and, when it
/// differs, as it stands now (an assignment still in flight). Either may hold the
/// conversation when the agent answers, since a takeover or reassignment in flight
/// may yet fail and roll back; whichever does not hold it then is refused
/// (apply_ai_action judges by the tentative state), so it stays silent.
void prompt_agent(self_ptr self, const protocol::message& m) {
  auto& st = self->state;
  if (!st.support || !st.support_committed || !st.svc.ai || m.internal || m.system ||
      m.author != st.info.support->contact)
    return;
  auto prompt = [&](const std::optional<std::string>& assignee) {
    if (!assignee) return;
    auto u = st.svc.dir->user(*assignee);
    if (!u || u->kind != protocol::user_kind::ai) return;
    self->send(st.svc.ai, ai_prompt_atom_v, ai_prompt{st.id, *assignee, m.seq, m.body});
  };
  prompt(st.support_committed->assignee);
  if (st.support->assignee != st.support_committed->assignee)
    prompt(st.support->assignee);
}

/// support.assign / takeover / close / snooze / unsnooze.
void apply_support_op(self_ptr self, support_request& req,
                      caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  auto& dir = *st.svc.dir;
  if (refuse_unreadable(self, req.user, req.rid, rp)) return;
  if (!st.support) {
    rp.deliver(reply_error(stats, req.rid, error_code::bad_request,
                           "not a support conversation"));
    return;
  }
  auto caller = dir.user(req.user);
  if (!caller) {
    rp.deliver(reply_not_found(stats, req.rid));
    return;
  }
  auto s = current_support(self);
  auto before = s.assignee;
  support_rules::step step;
  switch (req.op) {
  case support_request::assign: {
    auto assignee = req.assignee ? dir.user(*req.assignee) : nullptr;
    auto team = req.team ? dir.team(*req.team) : nullptr;
    step = support_rules::assign(s, *caller, st.info.org, req.assignee, assignee.get(),
                                 req.team, team.get());
    break;
  }
  case support_request::takeover:
    step = support_rules::takeover(s, *caller);
    break;
  case support_request::close: {
    auto org = dir.org(st.info.org);
    auto policy = support_rules::parse_closing_notes(org ? org->closing_notes : "")
                      .value_or(support_rules::closing_notes::optional);
    step = support_rules::close(s, *caller, policy, req.note);
    break;
  }
  case support_request::snooze:
    step = support_rules::snooze(
        s, *caller, dir.contact_blocked(st.info.support->contact), req.until, now_ms());
    break;
  case support_request::unsnooze:
    step = support_rules::unsnooze(s, *caller);
    break;
  default:
    step.error = protocol::failure{error_code::bad_request, "unknown support op"};
  }
  if (!step.ok()) {
    rp.deliver(reply_error(stats, req.rid, step.error->code, step.error->message));
    return;
  }
  if (!step.event) {
    answer_conv_when_durable(self, rp, req.rid);
    return;
  }
  auto event = *step.event;
  set_support(self, std::move(step.state));
  // An AI agent that no longer holds the conversation stops typing at once; its
  // pending reply will be refused when it arrives.
  if (before != st.support->assignee) stop_typing_of(self, before);
  assign_event(self, event, send_waiter{rp, req.rid, true});
}

/// The scheduler's wake-up: a due snooze opens the conversation; the assignee is
/// told once it is durable (fan-out of the `unsnoozed` event, see commit).
void wake(self_ptr self, wake_request& req, caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  if (!st.support) {
    rp.deliver(reply_ok(req.rid));
    return;
  }
  auto step = support_rules::wake(current_support(self), now_ms());
  if (!step.ok() || !step.event) {
    rp.deliver(reply_ok(req.rid));
    return;
  }
  auto event = *step.event;
  set_support(self, std::move(step.state));
  st.svc.stats->snoozes_woken.fetch_add(1, std::memory_order_relaxed);
  assign_event(self, event, send_waiter{rp, req.rid, true});
}

/// An AI agent's typing, reply or handoff: accepted only while the agent is the
/// assignee. This is where a takeover beats a pending AI reply: whichever reaches
/// this mailbox first wins, and a refused reply is never stored.
void apply_ai_action(self_ptr self, ai_action& req,
                     caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  if (!st.support) {
    rp.deliver(reply_not_found(stats, req.rid));
    return;
  }
  auto s = current_support(self);
  bool holds = s.assignee == req.agent && s.assignee_is_ai;
  auto refuse = [&] {
    stats.ai_refused.fetch_add(1, std::memory_order_relaxed);
    rp.deliver(reply_error(stats, req.rid, error_code::conflict,
                           "the conversation is no longer assigned to this AI agent"));
  };
  switch (req.kind) {
  case ai_action::typing_start:
  case ai_action::typing_stop: {
    if (req.kind == ai_action::typing_stop) {
      stop_typing_of(self, req.agent);
      rp.deliver(reply_ok(req.rid));
      return;
    }
    if (!holds) return refuse();
    if (st.typing.start(req.agent, false, typing_now(self),
                        caf::actor_cast<caf::actor_addr>(self->current_sender())))
      push_typing(self, req.agent, true, false);
    arm_typing_tick(self);
    rp.deliver(reply_ok(req.rid));
    return;
  }
  case ai_action::handoff: {
    auto step = support_rules::handoff(s, req.agent);
    if (!step.ok()) return refuse();
    stop_typing_of(self, req.agent);
    if (!step.event) {
      rp.deliver(reply_ok(req.rid));
      return;
    }
    auto event = *step.event;
    set_support(self, std::move(step.state));
    assign_event(self, event, send_waiter{rp, req.rid, true});
    return;
  }
  case ai_action::reply:
  default:
    break;
  }
  auto cid = server_cid("ai-reply:" + std::to_string(req.prompt_seq));
  auto seen = st.ledger->find(req.agent, cid);
  if (seen.kind != seq_ledger<send_waiter>::found::fresh) {
    rp.deliver(reply_ok(req.rid)); // answered already (a repeated prompt)
    return;
  }
  if (!support_rules::ai_reply(s, req.agent).ok()) return refuse();
  if (auto refused = support_for_message(self, req.agent, false)) {
    stop_typing_of(self, req.agent);
    rp.deliver(reply_error(stats, req.rid, refused->code, refused->message));
    return;
  }
  protocol::message m;
  m.conv = st.id;
  m.author = req.agent;
  m.cid = std::move(cid);
  m.body = std::move(req.body);
  st.ledger->assign(std::move(m), send_waiter{rp, req.rid}, now_ms());
  schedule_flush(self);
}

/// `{op: "unsnoozed", conv}` to every connection of the assignee, once the wake-up
/// is durable.
void tell_unsnoozed(self_ptr self, const protocol::message& m) {
  auto& st = self->state;
  if (!m.system || m.system->event != "unsnoozed" || !m.system->by.empty()) return;
  if (!st.support || !st.support->assignee) return;
  protocol::map_builder b;
  b.str("op", "unsnoozed").str("conv", st.id);
  self->send(st.svc.presence, push_atom_v, *st.support->assignee, frame{b.finish()});
}

} // namespace parley::conversation_detail

#include "actors/conversation/conversation_internal.hpp"

#include <algorithm>
#include <vector>

#include "actors/node/replies.hpp"

// Membership changes and conv.end, one at a time through a queue.
namespace parley::conversation_detail {

using protocol::error_code;

/// conv.end: either participant of a cross-org direct conversation ends it. From
/// this moment every send that has no seq yet is refused (`forbidden`); an `ended`
/// system message is written behind the messages already assigned, and the reply
/// `{conv}` comes once it is durable (the same statement stores the end).
void end_conversation(self_ptr self, end_request& req,
                      caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  if (refuse_unreadable(self, req.user, req.rid, rp)) return;
  if (st.info.kind != protocol::conv_kind::direct || !st.info.peer_org) {
    rp.deliver(reply_error(stats, req.rid, error_code::bad_request,
                           "only a cross-organisation direct conversation can be ended"));
    return;
  }
  if (st.info.ended_by) {
    // Already ended: nothing more is written. While the end is still being stored,
    // this answer waits for it too.
    auto seen = st.ledger->find(*st.info.ended_by, "");
    if (seen.kind == seq_ledger<send_waiter>::found::in_flight)
      st.ledger->wait_for(seen.seq, send_waiter{rp, req.rid, true});
    else
      rp.deliver(conv_reply(req.rid, st.info));
    return;
  }
  st.info.ended_by = req.user;
  st.info.ended_at = now_ms();
  protocol::message m;
  m.conv = st.id;
  m.author = req.user;
  // Clients' cids are 1..64 bytes, so the empty cid never collides with one.
  m.cid = "";
  m.system.emplace();
  m.system->event = "ended";
  m.system->by = req.user;
  st.ledger->assign(std::move(m), send_waiter{rp, req.rid, true}, now_ms());
  schedule_flush(self);
}

void run_membership_queue(self_ptr self) {
  auto& st = self->state;
  if (st.membership_busy || st.membership_queue.empty()) return;
  st.membership_busy = true;
  auto next = std::move(st.membership_queue.front());
  st.membership_queue.pop_front();
  next();
}

void membership_done(self_ptr self) {
  self->state.membership_busy = false;
  run_membership_queue(self);
}

/// Validates a membership change against the participants of this moment. Returns
/// the refusal, or nothing and the users that actually change in `changed`.
std::optional<frame> check_members(self_ptr self, const members_request& req,
                                   std::vector<std::string>& changed) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  auto& dir = *st.svc.dir;
  auto access = access_of(self, req.user);
  if (!visibility::can_read(access)) return reply_not_found(stats, req.rid);
  auto refuse = [&](error_code code, std::string message) {
    return std::optional<frame>{reply_error(stats, req.rid, code, message)};
  };
  if (!visibility::can_act(access))
    return refuse(error_code::forbidden, "you cannot change this conversation");
  if (!visibility::membership_editable(st.info.kind))
    return refuse(error_code::forbidden,
                  "the participants of this conversation are fixed");
  auto me = dir.user(req.user);
  for (const auto& u : req.users) {
    bool present = st.members.count(u) > 0;
    if (req.add) {
      if (present) continue;
      auto who = dir.user(u);
      auto verdict = who ? visibility::may_participate(*who, st.info.kind, st.info.org,
                                                       st.info.company.value_or(""))
                         : visibility::membership::other_org;
      if (verdict == visibility::membership::other_org)
        return refuse(error_code::bad_request, "unknown participant '" + u + "'");
      if (verdict != visibility::membership::allowed)
        return refuse(error_code::forbidden, membership_refusal(u, verdict));
    } else {
      if (!present) continue;
      if (!me || !visibility::may_remove(*me, u))
        return refuse(error_code::forbidden, "only staff may remove other participants");
    }
    changed.push_back(u);
  }
  if (!req.add && changed.size() == st.members.size())
    return refuse(error_code::bad_request,
                  "a conversation keeps at least one participant");
  return std::nullopt;
}

/// conv.participants.add/remove: validated, stored, then applied; subscriptions
/// that lost their right are revoked.
void change_members(self_ptr self, members_request& req,
                    caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  std::vector<std::string> changed;
  if (auto refusal = check_members(self, req, changed)) {
    rp.deliver(std::move(*refusal));
    return membership_done(self);
  }
  if (changed.empty()) {
    rp.deliver(conv_reply(req.rid, st.info));
    return membership_done(self);
  }
  members_write w{st.id, req.add, changed, now_ms()};
  auto rid = req.rid;
  auto add = req.add;
  request_db(self, st.svc.db.for_key(st.id), members_atom_v, std::move(w))
      .then(
          [=](const db_ack& ack) mutable {
            auto& st = self->state;
            if (!ack.ok) {
              rp.deliver(reply_storage_unavailable(*st.svc.stats, rid));
              return membership_done(self);
            }
            auto next = st.info.participants;
            if (add) {
              next.insert(next.end(), changed.begin(), changed.end());
            } else {
              std::unordered_set<std::string> gone(changed.begin(), changed.end());
              next.erase(std::remove_if(next.begin(), next.end(),
                                        [&](const auto& u) { return gone.count(u) > 0; }),
                         next.end());
            }
            set_participants(self, std::move(next));
            for (const auto& u : changed) {
              if (add)
                st.reads[u] = read_mark{st.info.last_seq, 0};
              else
                st.reads.erase(u);
            }
            rp.deliver(conv_reply(rid, st.info));
            revoke_lost(self);
            membership_done(self);
          },
          [=](const caf::error&) mutable {
            rp.deliver(reply_storage_unavailable(*self->state.svc.stats, rid));
            membership_done(self);
          });
}

} // namespace parley::conversation_detail

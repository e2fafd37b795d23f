#include "actors/conversation/conversation_internal.hpp"

#include <algorithm>
#include <vector>

#include "actors/node/replies.hpp"
#include "protocol/limits.hpp"

// Open subscriptions and the pushes to them: live fan-out of committed messages, notify
// for the rest.
namespace parley::conversation_detail {

using protocol::error_code;

void remove_subscriber(self_ptr self, const caf::actor_addr& who) {
  auto& subs = self->state.subscribers;
  auto i = subs.find(who);
  if (i == subs.end()) return;
  self->demonitor(i->second.session.address());
  subs.erase(i);
  self->state.open_sessions.reset();
}

/// The sessions subscribed here, for notify to skip (kept until they change).
const session_set& open_sessions(self_ptr self) {
  auto& st = self->state;
  if (!st.open_sessions) {
    std::vector<caf::actor_addr> all;
    all.reserve(st.subscribers.size());
    for (const auto& [addr, sub] : st.subscribers)
      all.push_back(addr);
    st.open_sessions.emplace(std::move(all));
  }
  return *st.open_sessions;
}

/// Sends a push to one subscription: straight into its connection's outbound
/// queue when the connection is on this node (one thread-safe append, no actor
/// hop), else through its session actor. Until the subscription is live (its
/// conv.open reply is queued) the push waits, so it follows the reply.
void push_to(self_ptr self, subscriber& sub, const frame& f, std::uint64_t seq) {
  if (!sub.live) {
    if (sub.held.size() < max_held_pushes)
      sub.held.push_back(held_push{seq, f});
    else
      sub.held_overflow = true;
    return;
  }
  if (sub.out) {
    sub.out->send(f);
    return;
  }
  if (sub.session.node() == self->node()) {
    // On this node without a queue of its own to write to: through the session.
    self->send(sub.session, push_atom_v, f);
    return;
  }
  // A session on another node (clustered only): gathered, one hand-off per batch.
  auto& remote = self->state.remote;
  if (remote.empty() || remote.back().bytes.shared() != f.shared())
    remote.push_back(remote_push{f, {}});
  remote.back().sessions.push_back(caf::actor_cast<caf::actor>(sub.session));
}

void flush_remote(self_ptr self) {
  auto& st = self->state;
  if (st.remote.empty()) return;
  self->send(st.svc.presence, push_atom_v, std::move(st.remote));
  st.remote.clear();
}

void flush_notifies(self_ptr self) {
  auto& st = self->state;
  if (st.notifies.empty()) return;
  self->send(st.svc.presence, notify_atom_v, std::move(st.notifies));
  st.notifies.clear();
}

/// `opened` from a session: its conv.open reply is queued on the connection, so
/// the subscription goes live and what waited goes out, in order (message pushes
/// the reply's backlog already carries are dropped).
void go_live(self_ptr self, const caf::actor_addr& session) {
  auto& st = self->state;
  auto i = st.subscribers.find(session);
  if (i == st.subscribers.end() || i->second.live) return;
  auto& sub = i->second;
  if (sub.held_overflow) {
    // Too much waited: the client resyncs with conv.open {since}.
    self->send(sub.session, revoked_atom_v, st.id);
    remove_subscriber(self, session);
    return;
  }
  sub.live = true;
  auto held = std::move(sub.held);
  sub.held.clear();
  for (auto& h : held)
    if (h.seq == 0 || h.seq > sub.backlog_to) push_to(self, sub, h.bytes);
  flush_remote(self);
}

/// Pushes a committed message to every subscription that may see it, re-checking
/// rights at this moment; a subscription that lost them gets `revoked` and nothing
/// more.
void fan_out(self_ptr self, const protocol::message& m,
             const visibility::conversation_facts& facts) {
  auto& st = self->state;
  revoke_lost_if_changed(self, facts);
  if (st.subscribers.empty()) return;
  frame push{protocol::encode_message_push(m)};
  std::uint64_t delivered = 0;
  for (auto& [addr, sub] : st.subscribers) {
    if (!may_see(self, sub.user, m)) continue;
    push_to(self, sub, push, m.seq);
    ++delivered;
  }
  st.svc.stats->fanout_deliveries.fetch_add(delivered, std::memory_order_relaxed);
}

/// `{op: notify}` to every connection of every participant who may see `m`, except
/// its author and the connections that have the conversation open (they got the
/// `message` push: v1.1); each carries the recipient's unread count, which is kept
/// for every participant either way. The presence actor encodes the frames, and
/// only for connections that get one.
void notify_participants(self_ptr self, const protocol::message& m,
                         const visibility::conversation_facts& facts,
                         const std::string& preview) {
  auto& st = self->state;
  notify_batch batch;
  for (const auto& p : st.info.participants) {
    if (p == m.author || !visibility::can_read(access_of(self, p, facts)) ||
        !may_see(self, p, m))
      continue;
    auto& r = st.reads[p];
    if (r.seq < m.seq) r.unread = std::min(r.unread + 1, protocol::unread_cap);
    batch.targets.push_back(notify_target{p, r.unread});
  }
  if (batch.targets.empty()) return;
  batch.conv = st.id;
  batch.seq = m.seq;
  batch.author = m.author;
  batch.preview = preview;
  batch.open = open_sessions(self);
  // One message to the presence actor for the whole committed batch
  // (flush_notifies), not one per message or participant.
  st.notifies.push_back(std::move(batch));
}

void open_subscription(self_ptr self, open_request& req,
                       caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  if (refuse_unreadable(self, req.user, req.rid, rp)) return;
  auto addr = req.session.address();
  auto [it, inserted] = st.subscribers.try_emplace(addr);
  if (inserted) {
    self->monitor(req.session);
    st.open_sessions.reset();
  }
  auto& sub = it->second;
  sub.session = req.session;
  sub.user = req.user;
  sub.out = req.out;
  // Pushes wait until the session has queued this reply (go_live).
  sub.live = false;
  sub.backlog_to = 0;
  auto last = st.info.last_seq;
  if (!req.has_since || req.since >= last) {
    protocol::map_builder conv;
    protocol::put_conversation(conv, st.info);
    protocol::map_builder f;
    f.map("conv", conv).raw_array("messages", {}).boolean("more", false);
    rp.deliver(reply_ok(req.rid, f));
    return;
  }
  // Backlog: exactly the committed seqs (since, last], at most 200; newer messages
  // arrive as pushes, held until the backlog reply has gone out.
  auto from = req.since + 1;
  auto to = std::min(last, req.since + protocol::limits::max_open_backlog);
  sub.backlog_to = to;
  auto rid = req.rid;
  auto user = req.user;
  auto finish = [=](const message_page& page) mutable {
    auto& st = self->state;
    auto i = st.subscribers.find(addr);
    if (page.failed) {
      rp.deliver(reply_storage_unavailable(*st.svc.stats, rid));
      if (i != st.subscribers.end()) remove_subscriber(self, addr);
      return;
    }
    std::vector<std::string> items;
    bool cut = encode_page(self, user, page.messages, false, items);
    protocol::map_builder conv;
    protocol::put_conversation(conv, st.info);
    protocol::map_builder f;
    f.map("conv", conv)
        .raw_array("messages", items)
        .boolean("more", cut || st.info.last_seq > to);
    rp.deliver(reply_ok(rid, f));
  };
  request_db(self, st.svc.db.for_key(st.id), open_atom_v, st.id, from, to)
      .then([=](const message_page& page) mutable { finish(page); },
            [=](const caf::error&) mutable {
              message_page failed;
              failed.failed = true;
              finish(failed);
            });
}

} // namespace parley::conversation_detail

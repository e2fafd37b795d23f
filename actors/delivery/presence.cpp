#include "actors/delivery/presence.hpp"

#include <algorithm>
#include <chrono>

#include "protocol/types.hpp"

namespace parley {

namespace {

void push_to(presence_actor::stateful_pointer<presence_state> self,
             const std::string& user, const frame& f) {
  auto i = self->state.sessions.find(user);
  if (i == self->state.sessions.end()) return; // offline: nothing to tell
  for (const auto& c : i->second)
    push_to_connection(self, c.session, c.out, f);
}

/// Encodes a target's notify only when one of its connections does not have the
/// conversation open (docs/protocol.md §7, v1.1): a room whose members all have it open
/// costs a lookup per member and nothing else.
void notify(presence_actor::stateful_pointer<presence_state> self,
            const notify_batch& batch) {
  for (const auto& t : batch.targets) {
    auto i = self->state.sessions.find(t.user);
    if (i == self->state.sessions.end()) continue; // offline
    frame f;
    for (const auto& c : i->second) {
      if (batch.open.contains(c.session.address())) continue;
      if (f.empty())
        f = frame{protocol::encode_notify(batch.conv, batch.seq, batch.author,
                                          batch.preview, t.unread)};
      push_to_connection(self, c.session, c.out, f);
    }
  }
}

/// A committed batch's pushes for sessions on other nodes, from this node's
/// conversations: one relay per node, carrying each frame once with that node's
/// sessions.
void relay_to_nodes(presence_actor::stateful_pointer<presence_state> self,
                    std::vector<remote_push>& pushes) {
  auto& peers = self->state.peers;
  std::vector<std::vector<remote_push>> per_peer(peers.size());
  for (auto& push : pushes) {
    for (auto& s : push.sessions) {
      auto p = std::find_if(peers.begin(), peers.end(), [&](const presence_actor& p) {
        return p.node() == s.node();
      });
      if (p == peers.end()) {
        // Its node is not (or no longer) live: the session actor, if it is reachable.
        self->send(caf::actor_cast<session_actor>(s), push_atom_v, push.bytes);
        continue;
      }
      auto& to = per_peer[static_cast<std::size_t>(p - peers.begin())];
      if (to.empty() || to.back().bytes.shared() != push.bytes.shared())
        to.push_back(remote_push{push.bytes, {}});
      to.back().sessions.push_back(std::move(s));
    }
  }
  for (std::size_t i = 0; i < peers.size(); ++i)
    if (!per_peer[i].empty()) self->send(peers[i], relay_atom_v, std::move(per_peer[i]));
}

/// A relayed push for sessions of this node: straight into their connections.
void deliver_to_sessions(presence_actor::stateful_pointer<presence_state> self,
                         const frame& f, const std::vector<caf::actor>& sessions) {
  auto& st = self->state;
  for (const auto& s : sessions) {
    std::shared_ptr<outbound> out;
    if (auto u = st.user_of.find(s.address()); u != st.user_of.end())
      if (auto i = st.sessions.find(u->second.user); i != st.sessions.end())
        for (const auto& c : i->second)
          if (c.session.address() == s.address()) out = c.out;
    push_to_connection(self, caf::actor_cast<session_actor>(s), out, f);
  }
}

/// Seconds since the Unix epoch: a token's `exp` is wall-clock time.
std::int64_t now_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

/// One timer for the earliest expiry on the board (a tick already due for an
/// earlier or equal one covers it).
void arm_expiry_tick(presence_actor::stateful_pointer<presence_state> self) {
  auto& st = self->state;
  if (st.expiries.empty()) return;
  auto first = st.expiries.begin()->first;
  if (st.tick_armed_for != 0 && st.tick_armed_for <= first) return;
  st.tick_armed_for = first;
  auto wait_ms = std::max<std::int64_t>((first - now_seconds()) * 1000, 0);
  self->delayed_send(self, std::chrono::milliseconds{wait_ms}, expiry_tick_atom_v, first);
}

/// Puts `session`'s expiry on the board (replacing its earlier one).
void set_expiry(presence_actor::stateful_pointer<presence_state> self,
                const session_actor& session, std::int64_t exp) {
  auto& st = self->state;
  auto u = st.user_of.find(session.address());
  if (u == st.user_of.end()) return;
  if (u->second.expiry != st.expiries.end()) st.expiries.erase(u->second.expiry);
  u->second.expiry = st.expiries.emplace(exp, session);
  arm_expiry_tick(self);
}

/// Tells every session whose token has expired; each closes its connection.
void expire_tokens(presence_actor::stateful_pointer<presence_state> self,
                   std::int64_t armed_for) {
  auto& st = self->state;
  // An earlier expiry re-armed the timer meanwhile: this tick is superseded, and
  // re-arming from it would leave one more timer running for good.
  if (armed_for != st.tick_armed_for) return;
  st.tick_armed_for = 0;
  auto now = now_seconds();
  while (!st.expiries.empty() && st.expiries.begin()->first <= now) {
    auto session = st.expiries.begin()->second;
    if (auto u = st.user_of.find(session.address()); u != st.user_of.end())
      u->second.expiry = st.expiries.end();
    st.expiries.erase(st.expiries.begin());
    self->send(session, auth_deadline_atom_v);
  }
  arm_expiry_tick(self);
}

} // namespace

presence_actor::behavior_type
presence(presence_actor::stateful_pointer<presence_state> self) {
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& st = self->state;
    auto u = st.user_of.find(dm.source);
    if (u == st.user_of.end()) return;
    if (u->second.expiry != st.expiries.end()) st.expiries.erase(u->second.expiry);
    auto i = st.sessions.find(u->second.user);
    if (i != st.sessions.end()) {
      auto& list = i->second;
      list.erase(std::remove_if(list.begin(), list.end(),
                                [&](const user_connection& c) {
                                  return c.session.address() == dm.source;
                                }),
                 list.end());
      if (list.empty()) st.sessions.erase(i);
    }
    st.user_of.erase(u);
  });
  return {
      [=](attach_atom, attachment& a) {
        auto& st = self->state;
        // A session attaches once, after its hello; a repeat changes nothing.
        if (!a.session || st.user_of.count(a.session.address()) != 0) return;
        self->monitor(a.session);
        st.user_of.emplace(a.session.address(),
                           presence_state::attached{a.user, st.expiries.end()});
        auto session = a.session;
        st.sessions[a.user].push_back(
            user_connection{std::move(a.session), std::move(a.out)});
        if (a.token_exp > 0) set_expiry(self, session, a.token_exp);
      },
      [=](expires_atom, std::int64_t exp) {
        set_expiry(self, caf::actor_cast<session_actor>(self->current_sender()), exp);
      },
      [=](expiry_tick_atom, std::int64_t armed_for) { expire_tokens(self, armed_for); },
      [=](push_atom, const std::string& user, const frame& f) {
        push_to(self, user, f);
        for (const auto& p : self->state.peers)
          self->send(p, relay_atom_v, user, f);
      },
      [=](notify_atom, const std::vector<notify_batch>& batches) {
        for (const auto& b : batches)
          notify(self, b);
        for (const auto& p : self->state.peers)
          self->send(p, relay_atom_v, batches);
      },
      [=](relay_atom, const std::string& user, const frame& f) {
        push_to(self, user, f);
      },
      [=](relay_atom, const std::vector<notify_batch>& batches) {
        for (const auto& b : batches)
          notify(self, b);
      },
      [=](push_atom, std::vector<remote_push>& pushes) { relay_to_nodes(self, pushes); },
      [=](relay_atom, const std::vector<remote_push>& pushes) {
        for (const auto& p : pushes)
          deliver_to_sessions(self, p.bytes, p.sessions);
      },
      [=](cluster_atom, const live_view& view) {
        auto& peers = self->state.peers;
        peers.clear();
        for (const auto& p : view.presences)
          if (p) peers.push_back(caf::actor_cast<presence_actor>(p));
      },
  };
}

} // namespace parley

#include "actors/delivery/presence.hpp"

#include <algorithm>

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

} // namespace

presence_actor::behavior_type
presence(presence_actor::stateful_pointer<presence_state> self) {
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& st = self->state;
    auto u = st.user_of.find(dm.source);
    if (u == st.user_of.end()) return;
    auto i = st.sessions.find(u->second);
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
        st.user_of.emplace(a.session.address(), a.user);
        st.sessions[a.user].push_back(
            user_connection{std::move(a.session), std::move(a.out)});
      },
      [=](push_atom, const std::string& user, const frame& f) { push_to(self, user, f); },
      [=](notify_atom, const notify_batch& batch) { notify(self, batch); },
  };
}

} // namespace parley

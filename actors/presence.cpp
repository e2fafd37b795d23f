#include "actors/presence.hpp"

#include <algorithm>

namespace parley {

namespace {

void push_to(presence_actor::stateful_pointer<presence_state> self,
             const std::string& user, const frame& f,
             const std::vector<caf::actor_addr>& except = {}) {
  auto i = self->state.sessions.find(user);
  if (i == self->state.sessions.end()) return; // offline: nothing to tell
  for (const auto& c : i->second) {
    if (std::find(except.begin(), except.end(), c.session.address()) != except.end())
      continue;
    if (c.out)
      c.out->send(f);
    else
      self->send(c.session, push_atom_v, f);
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
      [=](push_atom, const std::vector<user_frame>& batch) {
        for (const auto& uf : batch)
          push_to(self, uf.user, uf.bytes, uf.except);
      },
  };
}

} // namespace parley

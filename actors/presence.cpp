#include "actors/presence.hpp"

#include <algorithm>

namespace parley {

user_actor::behavior_type user(user_actor::stateful_pointer<user_state> self,
                               std::string id, presence_actor presence) {
  self->state.id = std::move(id);
  self->state.presence = std::move(presence);
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& st = self->state;
    st.sessions.erase(
        std::remove_if(st.sessions.begin(), st.sessions.end(),
                       [&](const session_actor& s) { return s.address() == dm.source; }),
        st.sessions.end());
    if (!st.sessions.empty()) return;
    // The last connection is gone: stop, unless an attachment is on its way.
    self->request(st.presence, caf::infinite, passivate_atom_v, st.id, st.attached)
        .then([=](bool granted) {
          if (granted) self->quit();
        });
  });
  return {
      [=](attach_atom, attachment& a) {
        ++self->state.attached;
        self->monitor(a.session);
        self->state.sessions.push_back(std::move(a.session));
      },
      [=](push_atom, const frame& f) {
        for (const auto& s : self->state.sessions)
          self->send(s, push_atom_v, f);
      },
  };
}

presence_actor::behavior_type
presence(presence_actor::stateful_pointer<presence_state> self) {
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    for (auto& [id, e] : self->state.users)
      self->send_exit(e.handle, msg.reason);
    self->quit(msg.reason);
  });
  return {
      [=](attach_atom, attachment& a) {
        const auto& id = a.user;
        auto& users = self->state.users;
        auto i = users.find(id);
        if (i == users.end()) {
          auto handle = self->spawn(user, id, caf::actor_cast<presence_actor>(self));
          i = users.emplace(id, presence_state::entry{handle, 0}).first;
        }
        ++i->second.attached;
        self->send(i->second.handle, attach_atom_v, std::move(a));
      },
      [=](push_atom, const std::string& id, const frame& f) {
        auto i = self->state.users.find(id);
        if (i != self->state.users.end()) self->send(i->second.handle, push_atom_v, f);
      },
      [=](passivate_atom, const std::string& id, std::uint64_t attached) {
        auto& users = self->state.users;
        auto i = users.find(id);
        if (i == users.end() || i->second.handle.address() != self->current_sender())
          return true;
        if (i->second.attached != attached) return false;
        users.erase(i);
        return true;
      },
  };
}

} // namespace parley

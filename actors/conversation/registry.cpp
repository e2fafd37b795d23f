#include "actors/conversation/registry.hpp"

#include "actors/ai/ai_agent.hpp"
#include "actors/conversation/conversation.hpp"

namespace parley {

namespace {

using self_ptr = registry_actor::stateful_pointer<registry_state>;

registry_state::entry& place(self_ptr self, const std::string& conv, bool fresh) {
  auto& st = self->state;
  auto i = st.convs.find(conv);
  if (i != st.convs.end()) return i->second;
  auto handle = self->spawn(conversation, conv, st.svc, fresh);
  self->monitor(handle);
  st.by_addr.emplace(handle.address(), conv);
  return st.convs.emplace(conv, registry_state::entry{handle, 0}).first->second;
}

template <class Atom, class Request>
caf::delegated<frame> forward(self_ptr self, Atom atom, Request& req,
                              bool fresh = false) {
  auto& e = place(self, req.conv, fresh);
  ++e.delegated;
  // Counted here, so not by the conversation as a request sent past the registry.
  if constexpr (requires { req.direct; }) req.direct = false;
  return self->delegate(e.handle, atom, std::move(req));
}

/// The handler of one conversation request: every one is forwarded the same way.
template <class Atom, class Request>
auto forwarding(self_ptr self) {
  return [=](Atom atom, Request& req) -> caf::delegated<frame> {
    return forward(self, atom, req);
  };
}

} // namespace

registry_actor::behavior_type
registry(registry_actor::stateful_pointer<registry_state> self,
         conversation_handles svc) {
  self->state.svc = std::move(svc);
  self->state.svc.registry = caf::actor_cast<registry_actor>(self);
  // The AI agents answer through the registry, and every conversation placed here
  // hands prompts to them: the registry starts them (unless a test brought its own).
  if (!self->state.svc.ai)
    self->state.svc.ai =
        self->spawn(ai_hub, ai_handles{self->state.svc.registry, self->state.svc.dir});
  self->set_down_handler([=](const caf::down_msg& dm) {
    auto& st = self->state;
    auto i = st.by_addr.find(dm.source);
    if (i == st.by_addr.end()) return;
    auto c = st.convs.find(i->second);
    if (c != st.convs.end() && c->second.handle.address() == dm.source) st.convs.erase(c);
    st.by_addr.erase(i);
  });
  self->set_exit_handler([=](const caf::exit_msg& msg) {
    // Conversations are monitored, not linked (one failing must not take the
    // registry down), so the registry stops them itself when it is stopped.
    for (auto& [id, e] : self->state.convs)
      self->send_exit(e.handle, msg.reason);
    self->send_exit(self->state.svc.ai, msg.reason);
    self->quit(msg.reason);
  });
  return {
      forwarding<send_atom, send_request>(self),
      forwarding<open_atom, open_request>(self),
      forwarding<close_atom, close_request>(self),
      forwarding<history_atom, history_request>(self),
      forwarding<get_atom, get_request>(self),
      forwarding<typing_atom, typing_request>(self),
      forwarding<read_atom, read_request>(self),
      forwarding<around_atom, around_request>(self),
      forwarding<members_atom, members_request>(self),
      forwarding<end_atom, end_request>(self),
      forwarding<support_atom, support_request>(self),
      forwarding<wake_atom, wake_request>(self),
      forwarding<ai_atom, ai_action>(self),
      [=](recheck_atom) {
        // Rights may have changed for anyone: every live conversation re-checks its
        // subscriptions (those not live have none).
        for (auto& [id, e] : self->state.convs)
          self->send(e.handle, recheck_atom_v);
      },
      [=](create_atom a, create_request& r) -> caf::delegated<frame> {
        auto conv = r.conv.id;
        auto& e = place(self, conv, !r.existing);
        ++e.delegated;
        return self->delegate(e.handle, a, std::move(r));
      },
      [=](drain_atom) -> caf::result<bool> {
        // Shutdown: answer once every conversation has nothing in flight.
        auto& st = self->state;
        auto rp = self->make_response_promise<bool>();
        auto remaining = std::make_shared<std::size_t>(st.convs.size());
        if (*remaining == 0) {
          rp.deliver(true);
          return rp;
        }
        for (auto& [id, e] : st.convs) {
          self->request(e.handle, std::chrono::seconds{10}, drain_atom_v)
              .then(
                  [=](bool) mutable {
                    if (--*remaining == 0) rp.deliver(true);
                  },
                  [=](const caf::error&) mutable {
                    if (--*remaining == 0) rp.deliver(true);
                  });
        }
        return rp;
      },
      [=](passivate_atom, const std::string& conv, std::uint64_t handled) {
        // Granted only when every request forwarded to this incarnation has been
        // handled: then nothing is in transit to it and it can stop without loss.
        auto& st = self->state;
        auto i = st.convs.find(conv);
        if (i == st.convs.end()) return true;
        if (i->second.handle.address() != self->current_sender() ||
            i->second.delegated != handled)
          return false;
        st.by_addr.erase(i->second.handle.address());
        self->demonitor(i->second.handle.address());
        st.convs.erase(i);
        return true;
      },
  };
}

} // namespace parley

#include "actors/conversation/registry.hpp"

#include <set>

#include "actors/ai/ai_agent.hpp"
#include "actors/conversation/conversation.hpp"
#include "actors/rules/placement.hpp"

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

/// The index in the live view of the node that owns `conv`, when that is another
/// node and the request is this node's to route: a request that came from another
/// node was routed by it and is served here (no ping-pong while views differ).
std::optional<std::size_t> owner_elsewhere(self_ptr self, const std::string& conv) {
  auto& view = self->state.view;
  if (view.names.size() < 2) return std::nullopt;
  const auto& sender = self->current_sender();
  if (sender && sender->node() != self->node()) return std::nullopt;
  auto owner = placement::owner(conv, view.names);
  if (!owner || view.names[*owner] == view.self) return std::nullopt;
  return owner;
}

/// One hop to the owner's registry. The answer comes back through here, so that a
/// request in flight to a node that leaves is answered `unavailable` at once.
template <class Atom, class Request>
caf::result<frame> forward_remote(self_ptr self, std::size_t owner, Atom atom,
                                  Request& req) {
  auto& st = self->state;
  auto to = caf::actor_cast<registry_actor>(st.view.registries[owner]);
  auto rp = self->make_response_promise<frame>();
  auto id = st.next_remote++;
  st.remote.emplace(id, registry_state::remote_request{st.view.names[owner], rp});
  if constexpr (requires { req.direct; }) req.direct = false;
  st.svc.stats->remote_requests.fetch_add(1, std::memory_order_relaxed);
  self->request(to, caf::infinite, atom, std::move(req))
      .then(
          [=](frame& f) mutable {
            auto i = self->state.remote.find(id);
            if (i == self->state.remote.end()) return; // answered at the node's loss
            i->second.promise.deliver(std::move(f));
            self->state.remote.erase(i);
          },
          [=](caf::error& err) mutable {
            auto i = self->state.remote.find(id);
            if (i == self->state.remote.end()) return;
            i->second.promise.deliver(std::move(err));
            self->state.remote.erase(i);
          });
  return rp;
}

template <class Atom, class Request>
caf::result<frame> forward(self_ptr self, Atom atom, Request& req, bool fresh = false) {
  if (auto owner = owner_elsewhere(self, req.conv))
    return forward_remote(self, *owner, atom, req);
  auto& e = place(self, req.conv, fresh);
  ++e.delegated;
  // Counted here, so not by the conversation as a request sent past the registry.
  if constexpr (requires { req.direct; }) req.direct = false;
  return self->delegate(e.handle, atom, std::move(req));
}

/// The handler of one conversation request: every one is forwarded the same way.
template <class Atom, class Request>
auto forwarding(self_ptr self) {
  return [=](Atom atom, Request& req) -> caf::result<frame> {
    return forward(self, atom, req);
  };
}

/// The live set changed: requests in flight to a node that left are answered
/// `unavailable` (the client retries with its cid), and each conversation that
/// another node owns now drains (its writes in flight commit or are fenced) and
/// stops; its sessions' next requests are placed anew.
void new_view(self_ptr self, live_view view) {
  auto& st = self->state;
  st.view = std::move(view);
  std::set<std::string, std::less<>> live(st.view.names.begin(), st.view.names.end());
  for (auto i = st.remote.begin(); i != st.remote.end();) {
    if (live.count(i->second.node)) {
      ++i;
      continue;
    }
    i->second.promise.deliver(caf::make_error(caf::sec::request_receiver_down));
    i = st.remote.erase(i);
  }
  if (st.view.names.size() < 2) return;
  std::vector<std::string> moved;
  for (const auto& [conv, e] : st.convs) {
    auto owner = placement::owner(conv, st.view.names);
    if (owner && st.view.names[*owner] != st.view.self) moved.push_back(conv);
  }
  for (const auto& conv : moved) {
    auto i = st.convs.find(conv);
    auto handle = i->second.handle;
    st.by_addr.erase(handle.address());
    self->demonitor(handle.address());
    st.convs.erase(i);
    self->request(handle, std::chrono::seconds{10}, drain_atom_v)
        .then([=](bool) { self->send_exit(handle, caf::exit_reason::user_shutdown); },
              [=](const caf::error&) {
                self->send_exit(handle, caf::exit_reason::user_shutdown);
              });
  }
  if (!moved.empty())
    st.svc.stats->conversations_rehomed.fetch_add(moved.size(),
                                                  std::memory_order_relaxed);
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
      [=](wake_atom a, wake_request& r) -> caf::result<frame> {
        // Every node's snooze scheduler finds the same due conversations: each
        // wakes only those it owns, so each is woken once, by its owner.
        if (owner_elsewhere(self, r.conv)) return frame{};
        return forward(self, a, r);
      },
      [=](cluster_atom, live_view& view) { new_view(self, std::move(view)); },
      [=](opened_atom a, const std::string& conv) {
        // Delegated, so the conversation sees the session as the sender.
        if (auto owner = owner_elsewhere(self, conv)) {
          self->delegate(
              caf::actor_cast<registry_actor>(self->state.view.registries[*owner]), a,
              conv);
          return;
        }
        auto i = self->state.convs.find(conv);
        if (i != self->state.convs.end()) self->delegate(i->second.handle, a);
      },
      forwarding<ai_atom, ai_action>(self),
      [=](recheck_atom) {
        // Rights may have changed for anyone: every live conversation re-checks its
        // subscriptions (those not live have none).
        for (auto& [id, e] : self->state.convs)
          self->send(e.handle, recheck_atom_v);
      },
      [=](create_atom a, create_request& r) -> caf::result<frame> {
        auto conv = r.conv.id;
        if (auto owner = owner_elsewhere(self, conv))
          return forward_remote(self, *owner, a, r);
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

// How a session's requests reach conversations: through the registry, or straight
// to the incarnation that answered (conversation_route in session.hpp).
#include "actors/session/session.hpp"

namespace parley {

namespace {

using clock = std::chrono::steady_clock;

/// Makes room for a new route: the routes with nothing in transit go.
void drop_idle_routes(session_self self) {
  auto& routes = self->state.routes;
  for (auto i = routes.begin(); i != routes.end();)
    i = i->second.via_registry == 0 ? routes.erase(i) : std::next(i);
}

} // namespace

conversation_api direct_route(session_self self, const std::string& conv) {
  auto& routes = self->state.routes;
  auto i = routes.find(conv);
  if (i == routes.end() || !i->second.incarnation || i->second.via_registry > 0)
    return conversation_api{};
  auto now = clock::now();
  if (now - i->second.last_used >= self->state.svc.config->passivate_after / 2) {
    // Unused for so long that the incarnation may have passivated since.
    i->second.incarnation = nullptr;
    return conversation_api{};
  }
  i->second.last_used = now;
  self->state.svc.stats->direct_requests.fetch_add(1, std::memory_order_relaxed);
  return i->second.incarnation;
}

void route_via_registry(session_self self, const std::string& conv) {
  auto& routes = self->state.routes;
  if (routes.size() >= session_state::max_routes && !routes.count(conv))
    drop_idle_routes(self);
  auto& r = routes[conv];
  ++r.via_registry;
  // The send time: the conversation's activity is later, so the bound is safe.
  r.last_used = clock::now();
}

void route_answered(session_self self, const std::string& conv,
                    const caf::strong_actor_ptr& sender) {
  auto i = self->state.routes.find(conv);
  if (i == self->state.routes.end()) return;
  auto& r = i->second;
  if (r.via_registry > 0) --r.via_registry;
  // The registry delegated: the reply comes from the conversation's incarnation.
  // In a cluster only an incarnation on this node is remembered: one on another
  // node answers through the registry (which forwarded it there), and a session
  // never holds another node's conversation across a change of the live set.
  if (sender && sender->node() == self->node() &&
      sender != caf::actor_cast<caf::strong_actor_ptr>(self->state.svc.registry))
    r.incarnation = caf::actor_cast<conversation_api>(sender);
}

void route_failed(session_self self, const std::string& conv) {
  if (auto i = self->state.routes.find(conv); i != self->state.routes.end())
    i->second.incarnation = nullptr;
}

} // namespace parley

// Directory changes for the other nodes of a cluster: a change stored through this
// session reaches every live node's cache before the client's reply
// (docs/protocol.md §12).
#include "actors/session/session.hpp"

namespace parley {

void publish_change(session_self self, directory_change change,
                    std::function<void()> then) {
  const auto& cluster = self->state.svc.cluster;
  if (!cluster) return then(); // one node: nothing to tell
  self->request(cluster, self->state.svc.config->request_timeout, publish_atom_v,
                std::move(change))
      .then([then](bool) { then(); }, [then](const caf::error&) { then(); });
}

} // namespace parley

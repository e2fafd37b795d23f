#include "actors/node/health.hpp"

namespace parley {

health_actor::behavior_type health_monitor(health_actor::pointer self, db_pool db,
                                           std::shared_ptr<std::atomic<bool>> healthy,
                                           std::chrono::milliseconds period) {
  self->send(self, ping_atom_v);
  return {
      [=](ping_atom) {
        self->request(db.any(), period, ping_atom_v)
            .then([=](bool ok) { healthy->store(ok); },
                  [=](const caf::error&) { healthy->store(false); });
        self->delayed_send(self, period, ping_atom_v);
      },
  };
}

} // namespace parley

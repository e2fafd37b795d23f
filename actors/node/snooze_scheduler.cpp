#include "actors/node/snooze_scheduler.hpp"

#include "actors/node/clock.hpp"

namespace parley {

snooze_scheduler_actor::behavior_type
snooze_scheduler(snooze_scheduler_actor::stateful_pointer<snooze_scheduler_state> self,
                 db_pool db, registry_actor registry) {
  self->state.db = std::move(db);
  self->state.registry = std::move(registry);
  self->send(self, snooze_tick_atom_v);
  return {
      [=](snooze_tick_atom) {
        auto& st = self->state;
        // One walk at a time: the next tick is armed when this one is answered.
        auto again = [=] {
          self->delayed_send(self, snooze_poll_interval, snooze_tick_atom_v);
        };
        self->request(st.db.any(), std::chrono::seconds{30}, wake_atom_v, now_ms())
            .then(
                [=](const due_snoozes& due) {
                  auto& st = self->state;
                  for (const auto& conv : due.convs) {
                    self->request(st.registry, std::chrono::seconds{30}, wake_atom_v,
                                  wake_request{0, conv})
                        .then([](const frame&) {}, [](const caf::error&) {});
                  }
                  again();
                },
                [=](const caf::error&) { again(); });
      },
  };
}

} // namespace parley

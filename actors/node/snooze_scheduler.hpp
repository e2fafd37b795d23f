#pragma once

#include <chrono>

#include "actors/api/interfaces.hpp"
#include "actors/api/pools.hpp"

// Wakes snoozed support conversations (docs/protocol.md §9). The truth is in
// PostgreSQL (conversations.snoozed_until, indexed), so a restart, even after
// kill -9, loses no wake-up: the first walk after start finds every snooze that
// fell due while the server was down. The conversation actor decides (a stale
// wake-up changes nothing), so waking twice is harmless.
namespace parley {

/// How often the scheduler walks the due snoozes: the latest a wake-up can come.
inline constexpr std::chrono::milliseconds snooze_poll_interval{1000};

struct snooze_scheduler_state {
  static inline const char* name = "parley.snooze_scheduler";
  db_pool db;              // asks for the due snoozes
  registry_actor registry; // wakes each due conversation through it
};

snooze_scheduler_actor::behavior_type
snooze_scheduler(snooze_scheduler_actor::stateful_pointer<snooze_scheduler_state> self,
                 db_pool db, registry_actor registry);

} // namespace parley

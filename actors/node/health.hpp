#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "actors/api/pools.hpp"

namespace parley {

/// Probes the database every `period` and publishes the answer for GET /healthz,
/// so the HTTP thread never waits on PostgreSQL.
using health_actor = caf::typed_actor<caf::reacts_to<ping_atom>>;

health_actor::behavior_type health_monitor(health_actor::pointer self, db_pool db,
                                           std::shared_ptr<std::atomic<bool>> healthy,
                                           std::chrono::milliseconds period);

} // namespace parley

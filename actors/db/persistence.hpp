#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "actors/api/interfaces.hpp"
#include "actors/node/metrics.hpp"
#include "actors/rules/commit_policy.hpp"
#include "actors/rules/read_marker_batch.hpp"
#include "storage/pg.hpp"

namespace parley {

/// One write waiting for its transaction.
struct pending_write {
  write_request request;
  caf::typed_response_promise<write_outcome> promise;
};

/// How long a read marker may wait for a message commit to ride with before it is
/// written on its own. Long enough that on a quiet node most markers join the
/// next message's transaction; short against a reader's patience.
inline constexpr auto read_marker_window = std::chrono::milliseconds{20};

struct persistence_state {
  static inline const char* name = "parley.persistence";
  /// The writer's own connection; blocking calls are fine on a detached actor.
  std::unique_ptr<storage::pg::connection> db;
  /// What accumulates while a transaction is in flight.
  commit_policy<pending_write> policy;
  /// Read markers waiting for the next commit.
  read_marker_batch<caf::typed_response_promise<read_stored>> reads;
  /// A flush message is queued behind the requests already in the mailbox.
  bool flush_queued = false;
  /// The read-marker window's timer is running.
  bool read_timer_armed = false;
  std::shared_ptr<metrics> stats;
};

/// The group-commit writer. Spawn detached.
persistence_actor::behavior_type
persistence(persistence_actor::stateful_pointer<persistence_state> self,
            std::string conninfo, std::shared_ptr<metrics> stats);

} // namespace parley

#pragma once

#include <memory>
#include <string>

#include "actors/api/interfaces.hpp"
#include "storage/pg.hpp"

namespace parley {

struct db_worker_state {
  static inline const char* name = "parley.db";
  std::unique_ptr<storage::pg::connection> db;
  std::size_t cid_cache = 4096;
  /// Clustered: a load is a takeover, which raises the conversation's owner epoch
  /// (migration 014) before reading it.
  bool take_ownership = false;
};

/// One connection's worth of reads and directory writes. Spawn detached: libpq
/// blocks, and a detached actor has its own thread. `take_ownership`: the node is
/// clustered, and each load raises the conversation's owner epoch first.
db_actor::behavior_type db_worker(db_actor::stateful_pointer<db_worker_state> self,
                                  std::string conninfo, storage::pg::limits limits,
                                  std::size_t cid_cache, bool take_ownership = false);

} // namespace parley

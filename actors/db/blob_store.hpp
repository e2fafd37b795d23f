#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/api/interfaces.hpp"
#include "actors/node/directory.hpp"
#include "storage/pg.hpp"

// Attachments (docs/protocol.md §6): the detached actors that move blob bytes in
// and out of PostgreSQL and decide, at the moment of each request, who may read or
// attach a blob.
namespace parley {

/// Unreferenced blobs untouched for this long are collected.
inline constexpr std::chrono::milliseconds blob_retention{24 * 60 * 60 * 1000};

struct blob_store_state {
  static inline const char* name = "parley.blobs";
  std::unique_ptr<storage::pg::connection> db;
  std::shared_ptr<directory> dir;
  std::chrono::milliseconds gc_every{0}; // 0: this actor does not collect
};

/// One connection's worth of blob work. Spawn detached: libpq blocks. With a
/// non-zero `gc_every` it also collects unreferenced blobs on that period.
blob_store_actor::behavior_type
blob_store(blob_store_actor::stateful_pointer<blob_store_state> self,
           std::string conninfo, storage::pg::limits limits,
           std::shared_ptr<directory> dir, std::chrono::milliseconds gc_every);

} // namespace parley

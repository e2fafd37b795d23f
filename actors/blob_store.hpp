#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/directory.hpp"
#include "actors/interfaces.hpp"
#include "storage/pg.hpp"

// Attachments (PROTOCOL.md section 6): the detached actors that move blob bytes in
// and out of PostgreSQL and decide, at the moment of each request, who may read or
// attach a blob.
namespace parley {

/// Bytes per stored chunk: what an upload holds in memory at most, and one row.
inline constexpr std::size_t blob_chunk_bytes = 256 * 1024;

/// Unreferenced blobs untouched for this long are collected.
inline constexpr std::chrono::milliseconds blob_retention{24 * 60 * 60 * 1000};

/// A fresh blob id: 'b' and 26 base32 characters (130 random bits).
std::string new_blob_id();

/// Whether `id` has the shape of a blob id (anything else names no blob).
bool valid_blob_id(std::string_view id);

/// The blob store actors: requests about one blob go to the same one.
class blob_pool {
public:
  blob_pool() = default;
  explicit blob_pool(std::vector<blob_store_actor> workers)
      : workers_(std::move(workers)) {}
  const blob_store_actor& for_key(std::string_view blob) const {
    return workers_[std::hash<std::string_view>{}(blob) % workers_.size()];
  }

private:
  std::vector<blob_store_actor> workers_;
};

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
           std::string conninfo, std::shared_ptr<directory> dir,
           std::chrono::milliseconds gc_every);

} // namespace parley

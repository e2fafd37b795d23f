#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "actors/api/interfaces.hpp"

// Pools of detached actors that each own one PostgreSQL connection: a request picks
// its worker by key, so the work about one conversation or one blob stays on one
// connection (warm statements and pages) and in order.
namespace parley {

/// The database read pool: requests about one conversation go to the same worker
/// (keeps its statements and pages warm); others spread round-robin.
class db_pool {
public:
  db_pool() = default;
  explicit db_pool(std::vector<db_actor> workers)
      : workers_(std::move(workers)),
        next_(std::make_shared<std::atomic<std::size_t>>(0)) {}

  const db_actor& for_key(std::string_view key) const {
    return workers_[std::hash<std::string_view>{}(key) % workers_.size()];
  }
  const db_actor& any() const {
    return workers_[next_->fetch_add(1, std::memory_order_relaxed) % workers_.size()];
  }

private:
  std::vector<db_actor> workers_;
  std::shared_ptr<std::atomic<std::size_t>> next_;
};

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

} // namespace parley

#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/api/interfaces.hpp"
#include "actors/api/pools.hpp"
#include "actors/node/directory.hpp"
#include "actors/node/metrics.hpp"

namespace parley {

/// Settings the actors read; fixed at start.
struct runtime_config {
  std::string node_name = "parley";
  std::string token_secret;
  std::chrono::milliseconds hello_timeout{10'000};
  /// A conversation with no subscriber and nothing in flight stops after this long.
  std::chrono::milliseconds passivate_after{60'000};
  /// Idempotency keys a conversation remembers in memory; older retries are still
  /// caught by the database's unique key.
  std::size_t cid_cache = 4096;
  /// How long a session waits for a conversation or the database before answering
  /// `unavailable`.
  std::chrono::milliseconds request_timeout{30'000};
  /// Requests per second one connection may sustain, and its burst (0: no limit).
  std::uint64_t rate_per_second = 50;
  std::uint64_t rate_burst = 200;
  /// The longest a token may still be valid when presented (0: unbounded).
  std::int64_t max_token_lifetime_s = 30 * 24 * 3600;
};

/// What every actor of a node may use; handed to each at spawn.
struct services {
  std::shared_ptr<const runtime_config> config;
  std::shared_ptr<directory> dir;
  std::shared_ptr<metrics> stats;
  persistence_actor writer;
  db_pool db;
  registry_actor registry;
  presence_actor presence;
  blob_pool blobs; // attachments (actors/db/blob_store.hpp)
  ai_hub_actor ai; // the AI agents of support conversations (actors/ai/ai_agent.hpp)
};

/// Milliseconds since the Unix epoch.
std::int64_t now_ms();

/// Milliseconds of a monotonic clock (for intervals and rate limits).
std::int64_t steady_ms();

} // namespace parley

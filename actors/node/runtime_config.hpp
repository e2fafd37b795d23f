#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace parley {

/// Settings the actors read; fixed at start.
struct runtime_config {
  std::string node_name = "parley";
  /// Part of a cluster (--cluster): loads take ownership of a conversation and
  /// commits are fenced by its owner epoch (migration 014). False: one node.
  bool clustered = false;
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
  /// --db-timeout: how long one database statement may run (the connections'
  /// statement_timeout; storage::pg::limits::of derives the rest from it).
  std::chrono::milliseconds db_timeout{5'000};
  /// How long an actor waits for the writer or a db worker before it takes the
  /// request as failed (`unavailable`): its own statement, one queued ahead of it
  /// (each up to db_timeout and a second, or a connection attempt) and a margin.
  /// So a stuck database fails a request within a bound instead of holding it.
  std::chrono::milliseconds db_wait() const {
    return 3 * db_timeout + std::chrono::milliseconds{2'000};
  }
  /// Requests per second one connection may sustain, and its burst (0: no limit).
  std::uint64_t rate_per_second = 50;
  std::uint64_t rate_burst = 200;
  /// The longest a token may still be valid when presented (0: unbounded).
  std::int64_t max_token_lifetime_s = 30 * 24 * 3600;
};

} // namespace parley

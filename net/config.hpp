#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "actors/session/session.hpp"
#include "protocol/limits.hpp"

namespace parley::net {

/// Named bounds of the network layer.
struct net_config {
  /// Largest WebSocket message read; larger ones close with 1009.
  std::size_t max_frame = protocol::limits::max_frame_bytes;
  /// Bytes queued for one client before it is cut as a slow consumer (1008).
  std::size_t max_outbound_bytes = 4 * 1024 * 1024;
  /// Largest plain HTTP request body (uploads stream separately).
  std::size_t max_http_body = 64 * 1024;
  /// A WebSocket that sends nothing, not even a pong, for this long is dropped.
  std::chrono::seconds idle_timeout{120};
  /// Open WebSocket connections beyond which an upgrade is refused with 503 (0: no
  /// bound), so the node sheds load before the process runs out of descriptors.
  /// Checked at each upgrade; shards upgrading at the same moment may pass it by
  /// one each.
  std::size_t max_connections = 0;
};

/// What the network layer needs from the rest of the server.
struct net_context {
  net_config config;
  caf::actor_system* system = nullptr;
  /// What each WebSocket's session actor gets; the HTTP routes use its config,
  /// directory, metrics and blob stores too.
  session_handles svc;
  /// Whether the database answered the last health probe (GET /healthz).
  std::shared_ptr<std::atomic<bool>> db_healthy;
};

} // namespace parley::net

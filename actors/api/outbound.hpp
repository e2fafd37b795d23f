#pragma once

#include <cstdint>
#include <string>

#include "actors/api/frame.hpp"

namespace parley {

/// The write side of one client connection, as actors see it. The net module
/// implements it over a WebSocket; every call is thread-safe and never blocks (it
/// hands the frame to the connection's io shard, net/shard_outbox). The bound on queued
/// bytes lives behind this interface: exceeding it closes the connection with 1008, so a
/// slow reader can never stall a conversation actor.
class outbound {
public:
  virtual ~outbound() = default;

  /// Queues one frame for sending; ignored once the connection is closing.
  virtual void send(frame f) = 0;

  /// Sends what is queued, then closes with `code` and `reason`.
  virtual void close(std::uint16_t code, std::string reason) = 0;
};

} // namespace parley

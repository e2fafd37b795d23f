#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace parley {

/// One encoded server-to-client WebSocket message, immutable and shared: a message
/// fanned out to 10,000 subscriptions is encoded once. push_to_connection
/// (actors/api/interfaces.hpp) hands each connection on this node a reference to the
/// same bytes, which waits in its io shard's outbox (net/shard_outbox); the bytes
/// are copied only when the shard's thread drains the outbox, behind their WebSocket
/// frame header, into the connection's write buffer (net/coalescing_stream).
class frame {
public:
  frame() = default;
  explicit frame(std::string bytes)
      : bytes_(std::make_shared<const std::string>(std::move(bytes))) {}

  std::string_view view() const {
    return bytes_ ? std::string_view{*bytes_} : std::string_view{};
  }
  std::size_t size() const { return bytes_ ? bytes_->size() : 0; }
  bool empty() const { return size() == 0; }
  const std::shared_ptr<const std::string>& shared() const { return bytes_; }

private:
  std::shared_ptr<const std::string> bytes_;
};

} // namespace parley

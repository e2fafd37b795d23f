#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace parley::net {

class ws_session;

/// The live WebSocket connections of this node, for shutdown. Touched once when a
/// connection opens and once when it ends, never on the message path.
class connection_set {
public:
  std::uint64_t add(std::weak_ptr<ws_session> s);
  void remove(std::uint64_t id);
  std::vector<std::shared_ptr<ws_session>> snapshot() const;
  std::size_t size() const;

private:
  mutable std::mutex mu_;
  std::uint64_t next_ = 0;
  std::unordered_map<std::uint64_t, std::weak_ptr<ws_session>> live_;
};

} // namespace parley::net

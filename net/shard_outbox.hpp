#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "actors/api/frame.hpp"
#include "net/io.hpp"

namespace parley::net {

class ws_session;

/// The hand-off from other threads (actors) to one io shard. Frames for the
/// shard's connections gather here, and one job on the shard's thread hands them
/// all to their connections and starts each touched connection's socket write:
/// a committed message fanned out to 50 subscribers wakes the shard once, not 50
/// times. Frames for one connection keep the order in which they were pushed.
class shard_outbox : public std::enable_shared_from_this<shard_outbox> {
public:
  explicit shard_outbox(executor ex) : ex_(std::move(ex)) {}

  /// Thread-safe: queues `f` for `to` and wakes the shard if it is not already
  /// due to drain.
  void push(std::shared_ptr<ws_session> to, frame f);

  const executor& get_executor() const { return ex_; }

private:
  void drain();

  executor ex_;
  std::mutex mutex_;
  std::vector<std::pair<std::shared_ptr<ws_session>, frame>> queued_; // under mutex_
  bool drain_posted_ = false;                                         // under mutex_
  // The shard thread's own: what the current drain hands over and whom it touched.
  std::vector<std::pair<std::shared_ptr<ws_session>, frame>> draining_;
  std::vector<ws_session*> touched_;
};

} // namespace parley::net

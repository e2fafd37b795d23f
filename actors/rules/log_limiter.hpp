#pragma once

#include <cstdint>

namespace parley {

/// At most one log line per `every_ms` for a failure that recurs (a full disk fails
/// every group commit: hundreds a second), with the count of the ones held back
/// written into the next line, so a fault is visible without flooding the log.
/// Pure: the caller passes the time.
class log_limiter {
public:
  explicit log_limiter(std::int64_t every_ms) : every_ms_(every_ms) {}

  /// Whether the event at `now_ms` (a monotonic clock) gets its line; when it
  /// does, `held_back` is how many events had none since the last line.
  bool allow(std::int64_t now_ms, std::uint64_t& held_back) {
    if (written_ && now_ms - last_ms_ < every_ms_) {
      ++held_;
      return false;
    }
    held_back = held_;
    held_ = 0;
    last_ms_ = now_ms;
    written_ = true;
    return true;
  }

private:
  std::int64_t every_ms_;
  std::int64_t last_ms_ = 0;
  bool written_ = false;
  std::uint64_t held_ = 0;
};

} // namespace parley

#pragma once

#include <algorithm>
#include <cstdint>

namespace parley {

/// A request-rate limit (docs/protocol.md §11): `rate` tokens per second refill a
/// bucket of at most `burst`; each request takes one. Pure: the caller passes the
/// time, so tests drive it with any clock. Integer milli-tokens keep it exact.
class token_bucket {
public:
  /// `rate` 0 disables the limit.
  token_bucket(std::uint64_t rate_per_second, std::uint64_t burst)
      : rate_(rate_per_second), cap_(std::max<std::uint64_t>(burst, 1) * 1000),
        milli_(cap_) {}

  /// Takes one token at `now_ms` (a monotonic clock); false when none is left.
  bool take(std::int64_t now_ms) {
    if (rate_ == 0) return true;
    if (last_ms_ >= 0 && now_ms > last_ms_) {
      // rate tokens per second = rate milli-tokens per millisecond.
      auto elapsed = static_cast<std::uint64_t>(now_ms - last_ms_);
      milli_ = elapsed >= cap_ ? cap_ : std::min(cap_, milli_ + elapsed * rate_);
    }
    if (now_ms > last_ms_) last_ms_ = now_ms;
    if (milli_ < 1000) return false;
    milli_ -= 1000;
    return true;
  }

  /// Whole tokens available now (for tests and metrics).
  std::uint64_t available() const { return milli_ / 1000; }

private:
  std::uint64_t rate_;
  std::uint64_t cap_;   // milli-tokens
  std::uint64_t milli_; // milli-tokens in the bucket
  std::int64_t last_ms_ = -1;
};

} // namespace parley

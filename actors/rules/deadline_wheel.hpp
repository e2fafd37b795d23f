#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace parley {

/// Deadlines filed into buckets of `granularity` milliseconds: a token is taken at
/// the first bucket boundary at or after its deadline, never before it, and at
/// most one granularity after it. Plain logic, no clock and no locking (the
/// node's timer board holds one under its mutex; tests/actors/
/// deadline_wheel_test.cpp is its table).
///
/// Buckets rather than one entry per deadline: every session, conversation and
/// typing indicator files its own deadline, thousands a second, and the board's
/// one timer only needs to know the earliest bucket.
template <class Token>
class deadline_wheel {
public:
  explicit deadline_wheel(std::int64_t granularity_ms)
      : granularity_(granularity_ms > 0 ? granularity_ms : 1) {}

  std::int64_t granularity() const { return granularity_; }
  bool empty() const { return buckets_.empty(); }
  std::size_t size() const { return size_; }

  /// The time at which a deadline of `due_ms` is taken: its bucket's boundary.
  std::int64_t boundary(std::int64_t due_ms) const {
    return bucket_of(due_ms) * granularity_;
  }

  /// Files `token` for `due_ms`.
  void add(std::int64_t due_ms, Token token) {
    buckets_[bucket_of(due_ms)].push_back(std::move(token));
    ++size_;
  }

  /// Every token whose bucket boundary is at or before `now_ms`, earliest bucket
  /// first and in filing order within a bucket.
  std::vector<Token> take_due(std::int64_t now_ms) {
    std::vector<Token> out;
    while (!buckets_.empty() && buckets_.begin()->first * granularity_ <= now_ms) {
      auto& tokens = buckets_.begin()->second;
      size_ -= tokens.size();
      if (out.empty()) {
        out = std::move(tokens);
      } else {
        for (auto& t : tokens)
          out.push_back(std::move(t));
      }
      buckets_.erase(buckets_.begin());
    }
    return out;
  }

  /// The boundary of the earliest bucket, if any token is filed.
  std::optional<std::int64_t> next_due() const {
    if (buckets_.empty()) return std::nullopt;
    return buckets_.begin()->first * granularity_;
  }

private:
  /// Rounds up: a deadline on a boundary is in that boundary's bucket.
  std::int64_t bucket_of(std::int64_t due_ms) const {
    auto q = due_ms / granularity_;
    if (q * granularity_ < due_ms) ++q;
    return q;
  }

  std::int64_t granularity_;
  std::map<std::int64_t, std::vector<Token>> buckets_; // by bucket index
  std::size_t size_ = 0;
};

} // namespace parley

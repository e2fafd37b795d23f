#pragma once

#include <atomic>
#include <cstdint>

namespace parley {

/// The next write epoch of any conversation in this process.
///
/// A conversation tags its writes with an epoch and starts a new one after a
/// failed commit, so that the writer refuses what is left of the failed one
/// (commit_policy). Epochs come from this one counter rather than from each
/// conversation's own, so a conversation's epochs only grow, also when it is
/// passivated and loaded again: a new incarnation can never reuse an epoch the
/// writer has on record as failed.
inline std::uint64_t next_write_epoch() {
  static std::atomic<std::uint64_t> counter{1};
  return counter.fetch_add(1, std::memory_order_relaxed);
}

} // namespace parley

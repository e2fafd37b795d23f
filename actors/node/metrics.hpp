#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "protocol/error_code.hpp"

namespace parley {

/// A Prometheus histogram with fixed upper bounds; lock-free to observe.
class histogram {
public:
  explicit histogram(std::vector<double> bounds);
  void observe(double v);
  /// Appends the `_bucket`, `_sum` and `_count` lines for metric `name`.
  void render(std::string& out, const std::string& name, const std::string& help) const;

private:
  std::vector<double> bounds_;
  std::vector<std::atomic<std::uint64_t>> counts_; // one per bound, plus +Inf
  std::atomic<std::uint64_t> count_{0};
  std::atomic<std::int64_t> sum_micro_{0}; // sum * 1e6, so integer atomics suffice
};

/// The server's counters, shared by net and actors, rendered at GET /metrics.
struct metrics {
  metrics();

  std::atomic<std::int64_t> connections_open{0};
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> connections_refused{0}; // upgrades past --max-connections
  std::atomic<std::uint64_t> messages_committed{0};
  /// Read-marker rows written by the group commit (merged requests count once).
  std::atomic<std::uint64_t> read_markers_committed{0};
  std::atomic<std::uint64_t> commits{0};
  std::atomic<std::uint64_t> commit_failures{0};
  /// AI agent replies refused because the conversation was taken over or
  /// reassigned meanwhile (never stored).
  std::atomic<std::uint64_t> ai_refused{0};
  /// Snoozed conversations woken by the scheduler.
  std::atomic<std::uint64_t> snoozes_woken{0};
  std::atomic<std::uint64_t> fanout_deliveries{0};
  std::atomic<std::uint64_t> conversations_active{0};
  std::atomic<std::uint64_t> slow_consumer_closes{0};
  /// Requests a session sent straight to a conversation's actor, past the registry.
  std::atomic<std::uint64_t> direct_requests{0};
  /// Clustered: the live nodes this node sees (itself included; 0 on a single
  /// node), peers lost, and conversations this node stopped because another live
  /// node owns them now.
  std::atomic<std::int64_t> cluster_live_nodes{0};
  std::atomic<std::uint64_t> cluster_peers_lost{0};
  std::atomic<std::uint64_t> conversations_rehomed{0};
  /// Clustered: requests this node's registry forwarded to their owner's node.
  std::atomic<std::uint64_t> remote_requests{0};
  histogram commit_batch_size; // messages per transaction
  histogram commit_latency_ms; // one transaction, including its round trip
  std::array<std::atomic<std::uint64_t>, std::size(protocol::all_error_codes)> errors{};

  void count_error(protocol::error_code code);

  /// Prometheus text exposition format.
  std::string render() const;
};

} // namespace parley

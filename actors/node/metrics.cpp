#include "actors/node/metrics.hpp"

#include <cmath>

#include "actors/node/heap_usage.hpp"

namespace parley {

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1) {}

void histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i])
    ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micro_.fetch_add(static_cast<std::int64_t>(std::llround(v * 1e6)),
                       std::memory_order_relaxed);
}

namespace {

std::string number(double v) {
  auto s = std::to_string(v);
  // Trim trailing zeros: "0.500000" -> "0.5", "2.000000" -> "2".
  while (!s.empty() && s.back() == '0')
    s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

} // namespace

void histogram::render(std::string& out, const std::string& name,
                       const std::string& help) const {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    out += name + "_bucket{le=\"" + number(bounds_[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  cumulative += counts_.back().load(std::memory_order_relaxed);
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(cumulative) + "\n";
  out += name + "_sum " + number(static_cast<double>(sum_micro_.load()) / 1e6) + "\n";
  out += name + "_count " + std::to_string(count_.load()) + "\n";
}

metrics::metrics()
    : commit_batch_size({1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048}),
      commit_latency_ms({0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128, 256, 1000}) {}

void metrics::count_error(protocol::error_code code) {
  errors[static_cast<std::size_t>(code)].fetch_add(1, std::memory_order_relaxed);
}

std::string metrics::render() const {
  std::string out;
  auto gauge = [&](const char* name, const char* help, std::int64_t v) {
    out += std::string{"# HELP "} + name + " " + help + "\n# TYPE " + name + " gauge\n" +
           name + " " + std::to_string(v) + "\n";
  };
  auto counter = [&](const char* name, const char* help, std::uint64_t v) {
    out += std::string{"# HELP "} + name + " " + help + "\n# TYPE " + name +
           " counter\n" + name + " " + std::to_string(v) + "\n";
  };
  gauge("parley_connections", "Open WebSocket connections.", connections_open.load());
  if (auto heap = read_heap_usage()) {
    gauge("parley_heap_allocated_bytes",
          "Bytes the process has allocated and not freed (the allocator's count).",
          static_cast<std::int64_t>(heap->allocated));
    gauge("parley_heap_bytes",
          "Bytes the allocator holds for the heap: allocated plus what it keeps free.",
          static_cast<std::int64_t>(heap->heap));
  }
  counter("parley_connections_total", "WebSocket connections accepted.",
          connections_total.load());
  counter("parley_connections_refused_total",
          "WebSocket upgrades refused with 503 because --max-connections were open.",
          connections_refused.load());
  counter("parley_messages_committed_total", "Messages durably committed.",
          messages_committed.load());
  counter("parley_read_markers_committed_total",
          "Read markers written by the group commit (one per user and conversation "
          "per commit).",
          read_markers_committed.load());
  counter("parley_commits_total", "Group-commit transactions.", commits.load());
  counter("parley_commit_failures_total", "Group-commit transactions that failed.",
          commit_failures.load());
  counter("parley_ai_replies_refused_total",
          "AI agent replies refused after a takeover or reassignment (never stored).",
          ai_refused.load());
  counter("parley_snoozes_woken_total", "Snoozed conversations woken by the scheduler.",
          snoozes_woken.load());
  counter("parley_fanout_deliveries_total",
          "Live message pushes queued to subscriptions.", fanout_deliveries.load());
  gauge("parley_conversations_active", "Conversation actors alive on this node.",
        static_cast<std::int64_t>(conversations_active.load()));
  counter("parley_slow_consumer_closes_total",
          "Connections closed for a full outbound queue.", slow_consumer_closes.load());
  counter("parley_direct_requests_total",
          "Requests sent straight to a conversation's actor, past the registry.",
          direct_requests.load());
  gauge("parley_cluster_live_nodes",
        "Live cluster nodes as this node sees them, itself included (0: not clustered).",
        cluster_live_nodes.load());
  counter("parley_cluster_peers_lost_total",
          "Peers that left this node's live set (connection lost or heartbeat silent).",
          cluster_peers_lost.load());
  counter("parley_conversations_rehomed_total",
          "Conversations stopped here because another live node owns them now.",
          conversations_rehomed.load());
  counter("parley_remote_requests_total",
          "Conversation requests forwarded to the owner's node (one hop).",
          remote_requests.load());
  commit_batch_size.render(out, "parley_commit_batch_size", "Messages per commit.");
  commit_latency_ms.render(out, "parley_commit_latency_ms",
                           "Group-commit transaction latency in milliseconds.");
  out += "# HELP parley_errors_total Error replies by code.\n# TYPE parley_errors_total "
         "counter\n";
  for (auto code : protocol::all_error_codes)
    out += "parley_errors_total{code=\"" + std::string{protocol::to_string(code)} +
           "\"} " + std::to_string(errors[static_cast<std::size_t>(code)].load()) + "\n";
  return out;
}

} // namespace parley

#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench/loadgen/histogram.hpp"
#include "bench/loadgen/target.hpp"

// What the three fan-out tools (parley-fanout, parley-nats-fanout, parley-xmpp-fanout)
// share: the scenario's shape and schedule, what one rate step measured and how a run
// ended. One set of types, so that one step driver (fanout_driver.hpp) and one report
// (fanout_report.hpp) serve all three and their figures mean the same.
namespace parley::bench {

/// The options every fan-out tool takes; each tool's own options extend these.
struct fanout_common_options {
  ws_target target; // the first node: the admin connection, and the peers' one endpoint
  // parley-fanout only: every node of a cluster; member i connects to node i % N.
  std::vector<ws_target> targets;
  std::size_t rooms = 100;   // R
  std::size_t members = 100; // M per room; R*M connections in all
  std::vector<double> rates; // total messages per second, one step each, in order
  double step_seconds = 5;   // scheduled sending time of a step
  double warmup_seconds = 1; // messages due in a step's first W s are left out
  double drain_seconds = 5;  // after the last send, how long deliveries may take
  double stop_p50_ms = 100;  // no further step after one whose p50 exceeds this
  std::size_t body_bytes = 100;
  std::size_t threads = 1;             // io_context threads
  std::size_t source_addresses = 1;    // >1: connection i binds to 127.0.0.(2 + i % N)
  std::size_t setup_window = 256;      // setup tasks in flight
  double timeout_seconds = 600;        // the whole run, setup included
  std::map<std::string, int> cpu_pids; // process trees whose CPU time to report
};

/// What one rate step measured. "Measured" = messages due after the step's warm-up.
struct fanout_step {
  std::size_t index = 0;
  double rate = 0;                  // offered messages per second
  std::uint64_t scheduled = 0;      // messages due in the step
  std::uint64_t sent = 0;           // handed to a connection
  std::uint64_t acked = 0;          // acknowledged (what that means is the tool's)
  std::uint64_t send_errors = 0;    // error replies
  std::uint64_t measured_acked = 0; // acked messages due after the warm-up
  std::uint64_t deliveries = 0;     // deliveries of measured messages
  std::uint64_t deliveries_all = 0; // deliveries, warm-up included
  std::uint64_t other_pushes = 0;   // anything else the members received
  double measured_seconds = 0;      // end of warm-up to the end of the schedule or the
                                    // last measured delivery, whichever is later
  histogram latency_us;             // scheduled send to delivery, measured only
  std::uint64_t max_send_lag_us = 0;
  bool drained = false; // every delivery of every acked message arrived in time
  std::map<std::string, double> cpu_seconds; // over the step, by process tree

  /// Deliveries expected of the measured messages: measured_acked × members.
  std::uint64_t expected(std::size_t members) const { return measured_acked * members; }
  double deliveries_per_second() const;
  double offered_deliveries_per_second(std::size_t members) const;
};

struct fanout_result {
  std::string failure; // non-empty: the run did not complete, and this says why
  double setup_seconds = 0;
  std::vector<fanout_step> steps;
  std::string stop_reason; // why stepping ended
};

} // namespace parley::bench

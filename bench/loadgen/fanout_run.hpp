#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/loadgen/histogram.hpp"
#include "bench/loadgen/target.hpp"

// The fan-out scenario (issue 5, bench/README.md): R rooms of M members, every member
// a distinct user with its own WebSocket connection subscribed to its room with
// conv.open; msg.send at a fixed total rate spread over the rooms, open loop, stepped
// up; every `message` push a member reads is one delivery, timed from the scheduled
// send time of its message.
namespace parley::bench {

struct fanout_options {
  ws_target target;
  std::string secret;        // the server's token secret: we mint our own JWTs
  std::size_t rooms = 100;   // R
  std::size_t members = 100; // M per room; R*M connections and users in all
  std::vector<double> rates; // total msg.send per second, one step each, in order
  double step_seconds = 5;   // scheduled sending time of a step
  double warmup_seconds = 1; // messages due in a step's first W s are left out
  double drain_seconds = 5;  // after the last send, how long deliveries may take
  double stop_p50_ms = 100;  // no further step after one whose p50 exceeds this
  std::size_t body_bytes = 100;
  std::string org = "fanout";
  std::string user_prefix = "f";       // users <prefix><room>-<member>
  std::size_t threads = 1;             // io_context threads
  std::size_t source_addresses = 1;    // >1: connection i binds to 127.0.0.(2 + i % N)
  std::size_t setup_window = 256;      // connects, hellos, puts and opens in flight
  double timeout_seconds = 600;        // the whole run, setup included
  std::map<std::string, int> cpu_pids; // process trees whose CPU time to report
};

/// What one rate step measured. "Measured" = messages due after the step's warm-up.
struct fanout_step {
  std::size_t index = 0;
  double rate = 0;                  // offered msg.send per second
  std::uint64_t scheduled = 0;      // msg.send due in the step
  std::uint64_t sent = 0;           // handed to a connection
  std::uint64_t acked = 0;          // ok replies
  std::uint64_t send_errors = 0;    // error replies
  std::uint64_t measured_acked = 0; // acked messages due after the warm-up
  std::uint64_t deliveries = 0;     // `message` pushes of measured messages
  std::uint64_t deliveries_all = 0; // `message` pushes, warm-up included
  std::uint64_t other_pushes = 0;   // any other push (notify, ...)
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

/// Provisions the org, users and rooms, connects and subscribes every member, runs
/// the rate steps (stopping after the first saturated one) and closes. `on_step` is
/// called as each step ends (on a load-generator thread). Never throws for anything
/// the server does.
fanout_result run_fanout(const fanout_options& options,
                         const std::function<void(const fanout_step&)>& on_step);

} // namespace parley::bench

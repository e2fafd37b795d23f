#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "bench/loadgen/histogram.hpp"
#include "bench/loadgen/target.hpp"

namespace parley::bench {

/// What one parley-load run does (README.md; main.cpp documents each option).
struct load_options {
  // Every node's endpoint (one for a single node): writer i connects to node
  // i % N, the admin connection to the first.
  std::vector<ws_target> targets;
  std::string secret;             // the server's token secret: we mint our own JWTs
  std::size_t connections = 16;   // writers, users u0..u(N-1)
  std::uint64_t messages = 20000; // total msg.send requests of the timed phase
  std::size_t inflight = 4;       // closed loop: unacked msg.send per connection
  std::size_t conversations = 16; // connection i writes to conversation i % C
  std::size_t body_bytes = 100;
  std::string org = "bench";
  std::string user_prefix = "u";
  double warmup_fraction = 0.05;
  double timeout_seconds = 120;
  std::optional<double> open_loop_rate; // msgs/s over all connections; else closed loop
  std::size_t threads = 1;              // io_context threads
  std::map<std::string, int> cpu_pids;  // process trees whose CPU time to report
};

/// What one run measured.
struct load_result {
  std::string failure; // non-empty: the run did not complete, and this says why

  std::uint64_t completed = 0;      // msg.send answered, ok or not
  std::uint64_t acked = 0;          // ok replies
  std::uint64_t warmup = 0;         // first messages left out of the figures
  std::uint64_t measured_acked = 0; // acked after the warm-up
  std::uint64_t dups = 0;           // ok replies with dup: true (never expected)
  std::map<std::string, std::uint64_t> errors; // error replies by code

  double elapsed_seconds = 0;        // the whole timed phase, warm-up included
  double measured_seconds = 0;       // from the end of the warm-up to the last reply
  histogram latency_us;              // send (or scheduled send) to reply, after warm-up
  std::uint64_t max_send_lag_us = 0; // open loop: how late the latest send left

  std::string seq_check; // "ok", or the first gap or repeat found

  /// CPU seconds over the timed phase (warm-up included), by process tree: the
  /// `cpu_pids` given, and "load" for this process.
  std::map<std::string, double> cpu_seconds;

  std::uint64_t error_total() const;
  double acked_per_second() const; // after the warm-up
  double cpu_total() const;        // sum of cpu_seconds
};

/// Provisions the org and users, connects the writers, creates the conversations,
/// runs the timed phase and closes. Never throws for anything the server does; a
/// failure or the --timeout ends the run with `failure` set.
load_result run_load(const load_options& options);

} // namespace parley::bench

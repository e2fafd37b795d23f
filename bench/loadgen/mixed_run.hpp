#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "bench/loadgen/histogram.hpp"
#include "bench/loadgen/mixed_plan.hpp"
#include "bench/loadgen/target.hpp"

// The "mixed chat day" scenario (issue 8 scenario 4, bench/README.md): U users, each
// with one connection that opened every one of its (few, small) conversations; an
// open loop of messages at a fixed total rate, each preceded by its author's typing,
// read by some of its recipients, with the occasional abandoned draft, conv.list and
// msg.history; the server's CPU time per 1,000 messages over the measured phase.
namespace parley::bench {

struct mixed_options {
  ws_target target;
  std::string secret; // the server's token secret: we mint our own JWTs
  conversation_mix convs;
  activity_mix activity;
  double rate = 200;               // msg.send per second, all users together
  std::uint64_t messages = 12'000; // msg.send in all (the schedule's length)
  double warmup_seconds = 5;       // messages due in the first W s are left out
  double typing_lead_seconds = 1;  // typing start this long before its msg.send
  double read_delay_seconds = 0.3; // a reader's `read` this long after the push
  double drain_seconds = 10;       // after the last send, how long the rest may take
  double settle_seconds = 0.3;     // after the last reply, for the pushes behind it
  std::size_t body_bytes = 100;
  std::string org = "mixed";
  std::string user_prefix = "m";       // users <prefix><index>
  std::size_t source_addresses = 4;    // connection i binds to 127.0.0.(2 + i % N)
  std::size_t setup_window = 256;      // connects, hellos, puts, creates, opens in flight
  double timeout_seconds = 600;        // the whole run, setup included
  std::map<std::string, int> cpu_pids; // process trees whose CPU time to report
};

/// Requests of one op: sent, answered ok, answered with an error.
struct op_count {
  std::uint64_t sent = 0, ok = 0, errors = 0;
};

struct mixed_result {
  std::string failure; // non-empty: the run did not complete, and this says why
  double setup_seconds = 0;
  std::size_t conversations = 0, groups = 0, memberships = 0;
  double elapsed_seconds = 0;          // first due event to the end of the timed phase
  double measured_seconds = 0;         // the CPU window: end of warm-up to the end
  std::map<std::string, op_count> ops; // by op, timed phase
  std::map<std::string, std::uint64_t> pushes;   // by op, timed phase
  std::map<std::string, std::uint64_t> expected; // pushes the acks imply, by op
  std::map<std::string, std::uint64_t> errors;   // error replies by code
  std::uint64_t measured_messages = 0;           // acked msg.send due after the warm-up
  std::uint64_t frames_read = 0;    // requests the server read in the CPU window
  std::uint64_t frames_written = 0; // replies and pushes it wrote in the window
  histogram ack_us;                 // msg.send: due time to its reply, measured only
  histogram deliver_us; // msg.send: due time to each `message` push, measured only
  histogram list_us;    // conv.list: due time to its reply, measured only
  histogram history_us; // msg.history: due time to its reply, measured only
  std::uint64_t max_send_lag_us = 0;
  bool drained = false; // every reply and every `message` push arrived in time
  std::map<std::string, double> cpu_seconds; // over the CPU window, by process tree

  /// Message pushes missing: the acks' expected deliveries minus those read.
  std::uint64_t missing_deliveries() const;
  /// CPU seconds of every tree but the load generator's own (`load`).
  double server_cpu_seconds() const;
};

/// Provisions the org, users and conversations, connects every user and opens its
/// conversations, runs the schedule and closes. One io_context on one thread. Never
/// throws for anything the server does.
mixed_result run_mixed(const mixed_options& options);

} // namespace parley::bench

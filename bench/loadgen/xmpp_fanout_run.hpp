#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/loadgen/fanout_run.hpp"
#include "bench/loadgen/target.hpp"

// The fan-out scenario of parley-fanout (fanout_run.hpp) against an XMPP server's
// multi-user chat over WebSocket (bench/ejabberd-peer.md): R rooms of M occupants,
// each its own connection logged in with SASL ANONYMOUS and joined to its room;
// groupchat messages at a fixed total rate spread over the rooms, open loop, stepped
// up. The room reflects every message to every occupant, the sender included: M
// deliveries per message, as parleyd's `message` pushes. Each delivery is timed from
// the scheduled send time the message's body carries.
namespace parley::bench {

struct xmpp_fanout_options {
  ws_target target;                 // ws://HOST:PORT/ws
  std::string domain = "localhost"; // the XMPP domain logged in to
  std::string muc_service = "conference.localhost";
  std::string room_prefix = "room"; // rooms <prefix><run>-<r>@<muc_service>
  std::size_t rooms = 100;
  std::size_t members = 100;
  std::vector<double> rates;
  double step_seconds = 5;
  double warmup_seconds = 1;
  double drain_seconds = 5;
  double stop_p50_ms = 100;
  std::size_t body_bytes = 100;
  std::size_t threads = 1;
  std::size_t source_addresses = 1;
  std::size_t setup_window = 256; // connections logging in and joining at once
  double timeout_seconds = 600;
  std::map<std::string, int> cpu_pids;
};

/// Connects, logs in and joins every member, runs the rate steps (stopping after the
/// first saturated one, or one whose p50 is above the bound) and closes. The steps
/// are fanout_steps: groupchat has no acknowledgement, so `acked` counts messages
/// handed to their connection (= sent) and `send_errors` stays 0 (an error stanza
/// fails the run instead). Never throws for anything the server does.
fanout_result run_xmpp_fanout(const xmpp_fanout_options& options,
                              const std::function<void(const fanout_step&)>& on_step);

} // namespace parley::bench

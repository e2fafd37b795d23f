#pragma once

#include <functional>
#include <string_view>

#include "bench/loadgen/fanout_step.hpp"

// The fan-out scenario against nats-server's WebSocket listener, core NATS pub/sub
// (issue 8's second fan-out peer, bench/README.md): the same R rooms x M members, the
// same open-loop rate steps and the same figures as run_fanout (one fanout_driver),
// with a room a NATS subject every member's connection subscribes to and a message a
// PUB by one room member. nats-server runs with no auth here, so the common options
// are all it needs.
namespace parley::bench {

/// Subject of room r: "<prefix>.<r>".
inline constexpr std::string_view nats_room_prefix = "fanout";

/// Connects and subscribes every member, runs the rate steps (stopping after the
/// first saturated one) and closes. In each step, `acked` counts the PUBs whose
/// WebSocket write completed (core NATS has no publish ack), `send_errors` is always
/// 0. `on_step` is called as each step ends. Never throws for anything the server
/// does.
fanout_result run_nats_fanout(const fanout_common_options& options,
                              const std::function<void(const fanout_step&)>& on_step);

} // namespace parley::bench

#pragma once

#include <functional>
#include <string>

#include "bench/loadgen/fanout_step.hpp"

// The fan-out scenario (issue 5, bench/README.md): R rooms of M members, every member
// a distinct user with its own WebSocket connection subscribed to its room with
// conv.open; msg.send at a fixed total rate spread over the rooms, open loop, stepped
// up (fanout_driver.hpp); every `message` push a member reads is one delivery, timed
// from the scheduled send time of its message.
namespace parley::bench {

struct fanout_options : fanout_common_options {
  std::string secret; // the server's token secret: we mint our own JWTs
  std::string org = "fanout";
  std::string user_prefix = "f"; // users <prefix><room>-<member>
};

/// Provisions the org, users and rooms, connects and subscribes every member, runs
/// the rate steps (stopping after the first saturated one) and closes. `on_step` is
/// called as each step ends (on a load-generator thread). Never throws for anything
/// the server does.
fanout_result run_fanout(const fanout_options& options,
                         const std::function<void(const fanout_step&)>& on_step);

} // namespace parley::bench

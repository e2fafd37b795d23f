#pragma once

#include <functional>
#include <string>

#include "bench/loadgen/fanout_step.hpp"

// The fan-out scenario of parley-fanout (fanout_run.hpp) against an XMPP server's
// multi-user chat over WebSocket (bench/ejabberd-peer.md): R rooms of M occupants,
// each its own connection logged in with SASL ANONYMOUS and joined to its room;
// groupchat messages at a fixed total rate spread over the rooms, open loop, stepped
// up (fanout_driver.hpp). The room reflects every message to every occupant, the
// sender included: M deliveries per message, as parleyd's `message` pushes. Each
// delivery is timed from the scheduled send time the message's body carries.
namespace parley::bench {

struct xmpp_fanout_options : fanout_common_options {
  std::string domain = "localhost"; // the XMPP domain logged in to
  std::string muc_service = "conference.localhost";
  std::string room_prefix = "room"; // rooms <prefix><run>-<r>@<muc_service>
};

/// Connects, logs in and joins every member, runs the rate steps (stopping after the
/// first saturated one, or one whose p50 is above the bound) and closes. The steps
/// are fanout_steps: groupchat has no acknowledgement, so `acked` counts messages
/// handed to their connection (= sent) and `send_errors` stays 0 (an error stanza
/// fails the run instead). Never throws for anything the server does.
fanout_result run_xmpp_fanout(const xmpp_fanout_options& options,
                              const std::function<void(const fanout_step&)>& on_step);

} // namespace parley::bench

#pragma once

#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/api/interfaces.hpp"

namespace parley {

/// One connection of an online user: pushes go straight into `out` when the
/// connection is on this node, else through its session actor.
struct user_connection {
  session_actor session;
  std::shared_ptr<outbound> out;
};

struct presence_state {
  static inline const char* name = "parley.presence";

  /// Every open connection of each online user (several devices); a user with none
  /// left has no entry.
  std::unordered_map<std::string, std::vector<user_connection>> sessions;
  /// The token expiries of the attached sessions, earliest first: one timer for the
  /// node instead of one per connection (a CAF delayed message is ~460 bytes, and
  /// most connections are idle; bench/RESULTS.md, "Hot path, round 2").
  using expiry_board = std::multimap<std::int64_t, session_actor>;
  expiry_board expiries;
  std::int64_t tick_armed_for = 0; // the expiry the pending tick is for (0: none)

  struct attached {
    std::string user;
    expiry_board::iterator expiry;
  };
  /// The user and expiry entry of each connection, to forget them when it goes down.
  std::unordered_map<caf::actor_addr, attached> user_of;

  /// The other live nodes' presence actors (empty on a single node): a push or a
  /// notification from this node's conversations goes to each once, and each
  /// delivers it to its own connections.
  std::vector<presence_actor> peers;
};

/// Maps online users to their connections: conversations push notifications and
/// read markers to a user id without knowing its connections. One actor per node,
/// and one hop from a conversation to the connections: a message's notifications
/// arrive here as one `notify_batch`, are encoded only for connections that do not
/// have the conversation open, and go straight into each one's outbound queue.
/// In a cluster it also relays each one, once, to every other live node's
/// presence actor (one remote message per node), which delivers it to its own.
presence_actor::behavior_type
presence(presence_actor::stateful_pointer<presence_state> self);

} // namespace parley

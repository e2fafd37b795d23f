#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "actors/interfaces.hpp"

namespace parley {

/// One online user: every connection it has open, on any device.
struct user_state {
  static inline const char* name = "parley.user";

  std::string id;
  presence_actor presence;
  std::vector<session_actor> sessions;
  std::uint64_t attached = 0; // attachments seen (for the passivation handshake)
};

/// Starts the actor of user `id`; it stops when its last connection is gone.
user_actor::behavior_type user(user_actor::stateful_pointer<user_state> self,
                               std::string id, presence_actor presence);

struct presence_state {
  static inline const char* name = "parley.presence";

  struct entry {
    user_actor handle;
    std::uint64_t attached = 0; // attachments forwarded to this incarnation
  };
  std::unordered_map<std::string, entry> users;
};

/// Maps online users to their user actors: conversations push notifications and
/// read markers to a user id without knowing its connections.
presence_actor::behavior_type
presence(presence_actor::stateful_pointer<presence_state> self);

} // namespace parley

#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "actors/api/interfaces.hpp"
#include "actors/conversation/conversation.hpp"

namespace parley {

struct registry_state {
  static inline const char* name = "parley.registry";

  struct entry {
    conversation_actor handle;
    std::uint64_t delegated = 0; // requests forwarded to this incarnation
  };

  conversation_handles svc; // svc.registry is this actor
  std::unordered_map<std::string, entry> convs;
  std::unordered_map<caf::actor_addr, std::string> by_addr;

  /// Clustered only (empty `view.names` on a single node: every conversation is
  /// placed here, and no request pays for placement).
  live_view view;
  /// Requests forwarded to another node's registry, not yet answered: answered
  /// `unavailable` at once if that node leaves the live set.
  struct remote_request {
    std::string node;
    caf::typed_response_promise<frame> promise;
  };
  std::map<std::uint64_t, remote_request> remote;
  std::uint64_t next_remote = 1;
};

/// The placement function: maps a conversation id to the actor that owns it,
/// starting one (which loads itself from PostgreSQL) on first use, and forwards the
/// request. Callers never hold conversation handles, so a conversation can
/// passivate, restart, or (later) live on another node without them noticing.
/// In a cluster (after the first `cluster` message) a conversation lives on the
/// node that rendezvous hashing over the live nodes names (actors/rules/placement):
/// a request from this node for one owned elsewhere takes one hop to that node's
/// registry; a request from another node is served here.
/// `svc` is what each conversation it starts gets: its `registry` is set to this
/// actor, and its `ai` to an AI hub the registry starts when `svc` brings none.
registry_actor::behavior_type
registry(registry_actor::stateful_pointer<registry_state> self, conversation_handles svc);

} // namespace parley

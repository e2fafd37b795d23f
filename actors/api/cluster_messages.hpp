#pragma once

// What the nodes of a cluster tell each other (issue 17): who they are, and the
// directory changes stored through one of them. Every type here crosses nodes, so
// each has an `inspect` (at the end of interfaces.hpp) and a type id.

#include <cstdint>
#include <string>
#include <vector>

#include <caf/actor.hpp>

#include "actors/api/messages.hpp"
#include "protocol/types.hpp"

namespace parley {

/// A node as its peers reach it: its name (what placement hashes) and the actors
/// a peer talks to. Untyped handles: the cluster actor's own interface names this
/// type; each is cast to its typed interface where it is used.
struct peer_card {
  std::string name;
  caf::actor node;     // its cluster actor
  caf::actor registry; // its registry_actor: conversation requests it owns
  caf::actor presence; // its presence_actor: per-user pushes for its connections
};

/// The live set as one node sees it, handed by the cluster actor to its registry
/// and presence actor at every change. `names` is sorted and holds this node too;
/// `registries` and `presences` are parallel to it (null for this node). Never
/// crosses nodes.
struct live_view {
  std::uint64_t version = 0;
  std::string self;
  std::vector<std::string> names;
  std::vector<caf::actor> registries;
  std::vector<caf::actor> presences;
};

/// One directory change stored through a node, for every other node's cache
/// (admin.*, favourites, contact blocks, AI configurations). `what` says which of
/// the fields carries it.
struct directory_change {
  enum class kind : std::uint8_t { org, user, company, team, favorites, blocked, ai };
  kind what = kind::org;
  protocol::org_info org;
  protocol::user_info user;
  protocol::company_info company;
  protocol::team_info team;
  std::string id; // favourites' user, a blocked contact
  std::vector<std::string> companies;
  std::int64_t version = 0;
  bool flag = false; // blocked
  ai_config_put ai;
};

} // namespace parley

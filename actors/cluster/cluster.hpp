#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <caf/io/middleman_actor.hpp>

#include "actors/api/interfaces.hpp"
#include "actors/node/directory.hpp"
#include "actors/node/metrics.hpp"

namespace parley {

/// What the cluster actor is given at spawn.
struct cluster_config {
  std::string name;               // --node-name: what placement hashes
  std::string listen;             // --cluster-listen (skipped in `peers`)
  std::vector<std::string> peers; // --cluster: HOST:PORT of every node
  std::chrono::milliseconds heartbeat{250};
  /// A peer silent this long leaves the live set (a stopped process, a blocked
  /// port): its conversations re-home and fencing refuses its late commits.
  std::chrono::milliseconds silence{1500};
  /// The database: a peer that comes back after it was lost may have stored
  /// directory changes this node never heard of (or missed this node's), so the
  /// directory is reloaded from here then.
  std::string conninfo;
  std::chrono::milliseconds retry_first{100};
  std::chrono::milliseconds retry_cap{2000};
};

/// The actors of this node the cluster actor serves and informs.
struct cluster_handles {
  std::shared_ptr<directory> dir;
  std::shared_ptr<metrics> stats;
  registry_actor registry;
  presence_actor presence;
  caf::io::middleman_actor middleman;
};

struct cluster_state {
  static inline const char* name = "parley.cluster";

  cluster_config cfg;
  cluster_handles svc;

  struct member {
    peer_card card;
    bool live = false;
    std::chrono::steady_clock::time_point last_heard;
  };
  /// Every peer that joined (from either side), by name; `live` is the view.
  std::map<std::string, member> members;
  /// Peers lost (or silent) at some point: when one is live again, the directory
  /// changes stored meanwhile may have reached only one side.
  std::set<std::string> lost_before;

  struct link {
    std::size_t attempt = 0;
    bool dialing = false;
    std::string name; // the peer it reached last, once joined
  };
  /// This node's connection attempts, by peer address.
  std::map<std::string, link> links;
  std::uint64_t view_version = 0;
  /// When the last heartbeat tick ran: a tick far later than its interval means
  /// this process itself was paused (SIGSTOP, a long stall), and its peers' silence
  /// is its own doing.
  std::chrono::steady_clock::time_point last_tick;
};

/// One node's membership: publishes nothing itself (server/ publishes it on
/// --cluster-listen), dials every peer through the middleman (retrying with
/// backoff), monitors each, sends heartbeats and drops a silent peer from the live
/// set, and hands every new live set to the registry and the presence actor.
cluster_actor::behavior_type cluster(cluster_actor::stateful_pointer<cluster_state> self,
                                     cluster_config cfg, cluster_handles svc);

} // namespace parley

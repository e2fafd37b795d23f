#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/api/interfaces.hpp"
#include "actors/api/pools.hpp"
#include "actors/cluster/cluster.hpp"
#include "actors/node/directory.hpp"
#include "actors/node/health.hpp"
#include "actors/node/metrics.hpp"
#include "actors/node/runtime_config.hpp"
#include "actors/session/session.hpp"

// The actor graph of one node, in one place. Keep it true: a new actor, spawn or
// message path changes this drawing in the same commit (docs/architecture.md shows
// it too).
//
// Threads: [io]  net's io shards (--io-threads): Beast, the shard outboxes
//          [caf] every event-based actor, run by the io shards too: on the shard
//                whose thread woke it (net/shard_scheduler.hpp)
//          [own] detached actors, one thread each: they block in libpq
//
// Who spawns whom
//   node_actors        persistence [own]       the group-commit writer
//                      db_worker [own] x N     reads, lists, admin (--db-workers)
//                      blob_store [own] x 2    attachment bytes; the first collects
//                      presence [caf]          a user's connections, per-user pushes
//                      registry [caf]          places conversations
//                      snooze_scheduler [caf]  wakes snoozed support conversations
//                      health_monitor [caf]    pings the database for /healthz
//                      timer_ticker [caf]      wakes sessions and conversations at
//                                              the deadlines they file on the board
//                      cluster [caf]           clustered only: membership, live set
//   registry           conversation [caf]      one per conversation in use; stops
//                                              when idle (the passivation handshake)
//                      ai_hub [caf]            once
//   ai_hub             ai_agent [caf]          one per AI user with work
//   net/ws_session     session [caf]           one per WebSocket
//   net/blob_routes    a one-request actor     per blob request (io -> caf -> io)
//
// Who sends what to whom (-> request and reply, => one-way, * crosses to another
// thread: to or from a detached actor, or to a connection on another shard)
//   ws_session   => session           each client frame (runs next on its shard)
//   session      -> registry          conversation ops; the registry delegates and the
//                                     conversation answers the session itself
//   session      -> conversation      send, history, around, read once a route is
//                                     known (direct, no registry hop)
//   session      => conversation      opened: the conv.open reply is queued, go live
//   session      -> db_worker      *  lists, inbox, search, invites, admin, favorites
//   session      -> blob_store     *  claims of attachments on a send
//   session      => presence          attach, detach
//   session      => outbound          replies (appended to the connection's shard
//                                     outbox, written by its io shard)
//   conversation -> persistence    *  write_request; the answer means durable
//   conversation -> db_worker      *  load, history pages, read markers
//   conversation => outbound       *  message, typing and read pushes, no hop
//   conversation => presence          notify_batch (recipients without it open),
//                                     per-user pushes
//   conversation => ai_hub            a contact's message to an AI assignee
//   conversation -> registry          passivate (granted only when nothing is in
//                                     transit to it)
//   presence     => outbound       *  notify and per-user pushes
//   ai_agent     -> registry          the agent's reply, typing, handoff
//   snooze       -> db_worker      *  due snoozes, then -> registry: wake
//   health       -> db_worker      *  ping every second
//   blob routes  -> blob_store     *  upload chunks, downloads
//
// Clustered only (--cluster; ~> crosses to another node through CAF's middleman)
//   cluster      ~> cluster           join, heartbeats; directory changes (each
//                                     peer applies it, then the admin's reply)
//   cluster      => registry, presence  the live set at every change
//   session      -> cluster           a stored directory change, for the peers
//   registry     ~> registry          a request for a conversation placed on
//                                     another node (one hop); the answer comes
//                                     back through it ("unavailable" if that
//                                     node leaves first)
//   conversation => presence          a push for subscribed sessions on other
//                                     nodes, gathered (one hand-off per push)
//   presence     ~> presence          that push with the node's sessions, per-user
//                                     pushes and notify_batch: once per node (relay)
//
// Who holds which handles (given at spawn; an actor reaches no other)
//   conversation      conversation_handles: config dir stats writer db registry
//                     presence ai
//   registry          conversation_handles, passed on to each conversation with
//                     itself as `registry` and the ai_hub it starts as `ai`
//   session           session_handles: config dir stats db registry presence blobs
//   net               session_handles, for its sessions and its HTTP routes
//   ai_hub, ai_agent  ai_handles: registry dir
//   snooze            db registry;  health: db;  blob_store: dir;  persistence: stats
//   cluster           cluster_handles: dir stats registry presence middleman
namespace parley::server {

/// The node-wide actors, spawned and stopped together.
class node_actors {
public:
  /// Spawns every node-wide actor on `sys`, each given the handles it uses.
  node_actors(caf::actor_system& sys, std::shared_ptr<const runtime_config> config,
              std::shared_ptr<directory> dir, std::shared_ptr<metrics> stats,
              const std::string& conninfo, std::size_t db_workers,
              std::chrono::milliseconds blob_gc_every,
              std::optional<cluster_config> cluster = std::nullopt);
  ~node_actors();
  node_actors(const node_actors&) = delete;
  node_actors& operator=(const node_actors&) = delete;

  /// What the network front hands each session it spawns (and uses itself).
  const session_handles& session_peers() const { return sessions_; }

  /// The registry, which drains the conversations at shutdown.
  const registry_actor& registry_handle() const { return registry_; }

  /// The cluster actor (null on a single node), for server/ to publish.
  const cluster_actor& cluster_handle() const { return cluster_; }

  /// False while the database does not answer the health monitor's pings.
  std::shared_ptr<std::atomic<bool>> db_healthy() const { return healthy_; }

private:
  persistence_actor writer_;
  presence_actor presence_;
  registry_actor registry_;
  session_handles sessions_;
  std::vector<db_actor> workers_;
  std::vector<blob_store_actor> blob_stores_;
  snooze_scheduler_actor snoozes_;
  health_actor health_;
  cluster_actor cluster_;
  node_timers timers_;
  std::shared_ptr<std::atomic<bool>> healthy_ = std::make_shared<std::atomic<bool>>(true);
};

} // namespace parley::server

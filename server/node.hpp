#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>

#include "actors/node/health.hpp"
#include "actors/node/services.hpp"

// The actor graph of one node, in one place. Keep it true: a new actor, spawn or
// message path changes this drawing in the same commit (docs/architecture.md shows
// it too).
//
// Threads: [io]  net's io shards (--io-threads): Beast, the shard outboxes
//          [caf] CAF's scheduler workers: every event-based actor
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
//   registry           conversation [caf]      one per conversation in use; stops
//                                              when idle (the passivation handshake)
//                      ai_hub [caf]            once
//   ai_hub             ai_agent [caf]          one per AI user with work
//   net/ws_session     session [caf]           one per WebSocket
//   net/blob_routes    a one-request actor     per blob request (io -> caf -> io)
//
// Who sends what to whom (-> request and reply, => one-way, * crosses to another
// thread pool)
//   ws_session   => session        *  each client frame (io -> caf)
//   session      -> registry          conversation ops; the registry delegates and the
//                                     conversation answers the session itself
//   session      -> conversation      send, history, around, read once a route is
//                                     known (direct, no registry hop)
//   session      => conversation      opened: the conv.open reply is queued, go live
//   session      -> db_worker      *  lists, inbox, search, invites, admin, favorites
//   session      -> blob_store     *  claims of attachments on a send
//   session      => presence          attach, detach
//   session      => outbound       *  replies (appended to the connection's shard
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
namespace parley::server {

/// The node-wide actors, spawned and stopped together.
class node_actors {
public:
  /// Spawns every node-wide actor on `sys`; `svc` must hold config, dir and stats.
  node_actors(caf::actor_system& sys, services svc, const std::string& conninfo,
              std::size_t db_workers, std::chrono::milliseconds blob_gc_every);
  ~node_actors();
  node_actors(const node_actors&) = delete;
  node_actors& operator=(const node_actors&) = delete;

  /// The handles, for the network front.
  const services& handles() const { return svc_; }

  /// False while the database does not answer the health monitor's pings.
  std::shared_ptr<std::atomic<bool>> db_healthy() const { return healthy_; }

private:
  services svc_;
  std::vector<db_actor> workers_;
  std::vector<blob_store_actor> blob_stores_;
  snooze_scheduler_actor snoozes_;
  health_actor health_;
  std::shared_ptr<std::atomic<bool>> healthy_ = std::make_shared<std::atomic<bool>>(true);
};

} // namespace parley::server

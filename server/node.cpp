#include "server/node.hpp"

#include <caf/io/middleman.hpp>

#include "actors/conversation/registry.hpp"
#include "actors/db/blob_store.hpp"
#include "actors/db/db_worker.hpp"
#include "actors/db/persistence.hpp"
#include "actors/delivery/presence.hpp"
#include "actors/node/snooze_scheduler.hpp"

namespace parley::server {

node_actors::node_actors(caf::actor_system& sys,
                         std::shared_ptr<const runtime_config> config,
                         std::shared_ptr<directory> dir, std::shared_ptr<metrics> stats,
                         const std::string& conninfo, std::size_t db_workers,
                         std::chrono::milliseconds blob_gc_every,
                         std::optional<cluster_config> cluster) {
  // Detached first (libpq blocks): the writer, the read pool, the blob stores.
  // Every connection of theirs is bounded by --db-timeout: a stuck database fails
  // their requests (unavailable) instead of holding them.
  auto limits = storage::pg::limits::of(config->db_timeout);
  writer_ = sys.spawn<caf::detached>(persistence, conninfo, limits, stats);
  for (std::size_t i = 0; i < db_workers; ++i)
    workers_.push_back(sys.spawn<caf::detached>(db_worker, conninfo, limits,
                                                config->cid_cache, config->clustered));
  db_pool db{workers_};
  // Two blob stores: an upload waits on one chunk at a time, so two keep a second
  // upload or a download moving; the first also collects unreferenced blobs.
  for (std::size_t i = 0; i < 2; ++i)
    blob_stores_.push_back(
        sys.spawn<caf::detached>(blob_store, conninfo, limits, dir,
                                 i == 0 ? blob_gc_every : std::chrono::milliseconds{0}));
  presence_ = sys.spawn(presence);
  timers_.board = std::make_shared<timer_board>();
  timers_.ticker = sys.spawn(timer_ticker, timers_.board);
  // The registry hands these to every conversation it starts (with itself as their
  // registry and the AI hub it starts).
  registry_ = sys.spawn(registry, conversation_handles{.config = config,
                                                       .dir = dir,
                                                       .stats = stats,
                                                       .writer = writer_,
                                                       .db = db,
                                                       .registry = {},
                                                       .presence = presence_,
                                                       .ai = {},
                                                       .timers = timers_});
  sessions_ = session_handles{.config = config,
                              .dir = dir,
                              .stats = stats,
                              .db = db,
                              .registry = registry_,
                              .presence = presence_,
                              .blobs = blob_pool{blob_stores_},
                              .cluster = {},
                              .timers = timers_};
  if (cluster) {
    cluster_ = sys.spawn(parley::cluster, std::move(*cluster),
                         cluster_handles{dir, stats, registry_, presence_,
                                         sys.middleman().actor_handle()});
    sessions_.cluster = cluster_;
  }
  snoozes_ = sys.spawn(snooze_scheduler, db, registry_);
  health_ = sys.spawn(health_monitor, db, healthy_, std::chrono::milliseconds{1000});
}

node_actors::~node_actors() {
  if (cluster_) caf::anon_send_exit(cluster_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(health_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(snoozes_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(registry_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(presence_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(timers_.ticker, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(writer_, caf::exit_reason::user_shutdown);
  for (auto& w : workers_)
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  for (auto& b : blob_stores_)
    caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
}

} // namespace parley::server

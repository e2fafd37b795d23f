#include "server/node.hpp"

#include "actors/conversation/registry.hpp"
#include "actors/db/blob_store.hpp"
#include "actors/db/db_worker.hpp"
#include "actors/db/persistence.hpp"
#include "actors/delivery/presence.hpp"
#include "actors/node/snooze_scheduler.hpp"

namespace parley::server {

node_actors::node_actors(caf::actor_system& sys, services svc,
                         const std::string& conninfo, std::size_t db_workers,
                         std::chrono::milliseconds blob_gc_every)
    : svc_(std::move(svc)) {
  // Detached first (libpq blocks): the writer, the read pool, the blob stores.
  svc_.writer = sys.spawn<caf::detached>(persistence, conninfo, svc_.stats);
  for (std::size_t i = 0; i < db_workers; ++i)
    workers_.push_back(
        sys.spawn<caf::detached>(db_worker, conninfo, svc_.config->cid_cache));
  svc_.db = db_pool{workers_};
  // Two blob stores: an upload waits on one chunk at a time, so two keep a second
  // upload or a download moving; the first also collects unreferenced blobs.
  for (std::size_t i = 0; i < 2; ++i)
    blob_stores_.push_back(
        sys.spawn<caf::detached>(blob_store, conninfo, svc_.dir,
                                 i == 0 ? blob_gc_every : std::chrono::milliseconds{0}));
  svc_.blobs = blob_pool{blob_stores_};
  svc_.presence = sys.spawn(presence);
  svc_.registry = sys.spawn(registry, svc_);
  snoozes_ = sys.spawn(snooze_scheduler, svc_.db, svc_.registry);
  health_ = sys.spawn(health_monitor, svc_.db, healthy_, std::chrono::milliseconds{1000});
}

node_actors::~node_actors() {
  caf::anon_send_exit(health_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(snoozes_, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(svc_.registry, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(svc_.presence, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(svc_.writer, caf::exit_reason::user_shutdown);
  for (auto& w : workers_)
    caf::anon_send_exit(w, caf::exit_reason::user_shutdown);
  for (auto& b : blob_stores_)
    caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
}

} // namespace parley::server

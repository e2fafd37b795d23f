#include "server/app.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>
#include <memory>
#include <optional>
#include <pthread.h>
#include <sys/resource.h>
#include <thread>
#include <utility>

#include <boost/asio/ip/address.hpp>
#include <caf/all.hpp>
#include <caf/io/middleman.hpp>

#include "net/server.hpp"
#include "net/shard_scheduler.hpp"
#include "protocol/jwt.hpp"
#include "server/demo.hpp"
#include "server/embedded_postgres.hpp"
#include "server/node.hpp"
#include "server/secret.hpp"
#include "storage/directory_queries.hpp"
#include "storage/migrate.hpp"

namespace parley::server {

namespace {

/// Runs a function when the scope ends: each service started in serve() is
/// followed by its stop, so shutdown runs in reverse order even on errors.
template <class F>
class defer {
public:
  explicit defer(F f) : f_(std::move(f)) {}
  ~defer() { f_(); }
  defer(const defer&) = delete;
  defer& operator=(const defer&) = delete;

private:
  F f_;
};

std::string secret_of(const options& opts) {
  return opts.token_secret ? *opts.token_secret : load_or_create_secret(opts.data_dir);
}

bool migrate_db(const std::string& conninfo) {
  storage::pg::connection db{conninfo};
  if (!db.ok()) {
    std::cerr << "parleyd: cannot connect to the database: " << db.error();
    return false;
  }
  auto r = storage::migrate(db);
  if (!r.ok) {
    std::cerr << "parleyd: migration failed: " << r.error << "\n";
    return false;
  }
  if (r.applied > 0)
    std::cerr << "parleyd: applied " << r.applied << " migration(s); schema version "
              << r.version << "\n";
  return true;
}

struct actor_config : caf::actor_system_config {
  actor_config(const options& opts) {
    add_message_types<caf::id_block::parley>();
    // The middleman (CAF's distribution layer, its own thread) only for a cluster.
    if (opts.clustered()) load<caf::io::middleman>();
    if (opts.actor_threads == 0) {
      // The default: actors run on the io shards (net/shard_scheduler.hpp), so a
      // frame, its session, its conversation and the reply need no thread
      // crossing (bench/RESULTS.md, "Hot path, round 9").
      load<net::shard_scheduler>();
      set("scheduler.max-threads", std::max<std::size_t>(opts.io_threads, 1));
    } else {
      set("scheduler.max-threads", opts.actor_threads);
    }
    // CAF's work-stealing workers (--actor-threads) look for work in three phases
    // before they sleep: 100 polls without pause, then 500 more with a 50 us sleep
    // between them, then a condition variable that an enqueue from outside wakes.
    // Chat traffic is many small bursts: between two of them every idle worker went
    // through the 500 sleeps, 20,000 wake-ups a second each, which were half of
    // parleyd's CPU in the mixed chat day benchmark. Without the middle phase an
    // idle worker goes from spinning straight to the condition variable. Measured in
    // bench/RESULTS.md ("Scheduler idle polling"): -45% CPU per message, fan-out
    // kept up to 2x more.
    set("work-stealing.moderate-poll-attempts", 0);
    set("logger.verbosity", caf::atom("quiet"));
  }
};

/// --max-connections, or by default the open-file limit less 256 descriptors for
/// the database connections, plain HTTP requests and files: the node refuses
/// WebSockets with 503 before accept() fails with EMFILE for everyone.
std::size_t max_connections(const options& opts) {
  if (opts.max_connections) return *opts.max_connections;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 0;
  auto fds = static_cast<std::size_t>(limit.rlim_cur);
  return fds > 512 ? fds - 256 : fds / 2;
}

} // namespace

int print_token(const options& opts) {
  protocol::token_claims claims;
  claims.sub = opts.user;
  claims.admin = opts.admin;
  claims.exp = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count() +
               opts.ttl_seconds;
  std::cout << protocol::sign_token(claims, secret_of(opts)) << std::endl;
  return 0;
}

int run_migrations(const options& opts) {
  return migrate_db(*opts.db) ? 0 : 1;
}

int serve(const options& opts) {
  auto config = std::make_shared<runtime_config>();
  config->node_name = opts.node_name;
  config->token_secret = secret_of(opts);
  config->rate_per_second = opts.rate_limit;
  config->rate_burst = opts.rate_burst;
  config->max_token_lifetime_s = opts.max_token_lifetime;
  config->db_timeout = std::chrono::seconds{opts.db_timeout};
  config->clustered = opts.clustered();

  // Signals are taken by sigwait in this thread only: block them before any
  // thread starts, so every thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  // 1. The database: the one given, or the embedded default.
  std::optional<embedded_postgres> embedded;
  std::string conninfo;
  if (opts.db) {
    conninfo = *opts.db;
  } else {
    embedded.emplace(opts.data_dir);
    conninfo = embedded->start();
  }
  defer stop_db{[&] {
    if (embedded) embedded->stop();
  }};
  if (!migrate_db(conninfo)) return 1;

  // 2. The directory cache, filled from the database (with the demo users first).
  auto dir = std::make_shared<directory>();
  {
    storage::pg::connection db{conninfo};
    std::string error;
    if (opts.demo && !demo::provision_directory(db, error)) {
      std::cerr << "parleyd: --demo: " << error << "\n";
      return 1;
    }
    auto snapshot = storage::load_directory(db);
    if (!snapshot.ok()) {
      std::cerr << "parleyd: cannot load the directory: " << snapshot.error << "\n";
      return 1;
    }
    dir->load(std::move(*snapshot.value));
  }

  // 3. Actors: the node-wide ones (server/node.hpp draws the whole graph).
  actor_config cfg{opts};
  caf::actor_system sys{cfg};
  std::optional<cluster_config> cluster;
  std::string cluster_host;
  std::uint16_t cluster_port = 0;
  if (opts.clustered()) {
    split_host_port(opts.cluster_listen, cluster_host, cluster_port);
    cluster.emplace();
    cluster->name = opts.node_name;
    cluster->listen = opts.cluster_listen;
    cluster->peers = opts.cluster;
    cluster->conninfo = conninfo;
  }
  node_actors node{sys,
                   config,
                   dir,
                   std::make_shared<metrics>(),
                   conninfo,
                   opts.db_workers,
                   std::chrono::milliseconds{opts.blob_gc_seconds * 1000},
                   std::move(cluster)};
  if (opts.clustered()) {
    // The peers reach this node's cluster actor here (and through it, its
    // registry and presence actor).
    auto bound = sys.middleman().publish(node.cluster_handle(), cluster_port,
                                         cluster_host.c_str(), true);
    if (!bound) {
      std::cerr << "parleyd: cannot listen for the cluster on " << opts.cluster_listen
                << ": " << sys.render(bound.error()) << "\n";
      return 1;
    }
    std::cerr << "parleyd: node " << opts.node_name << " in a cluster of "
              << opts.cluster.size() << ", peers reach it on " << cluster_host << ":"
              << *bound << "\n";
  }
  if (std::string error;
      opts.demo && !demo::ensure_welcome(sys, node.session_peers(), error)) {
    std::cerr << "parleyd: --demo: " << error << "\n";
    return 1;
  }

  // 4. The network front.
  auto ctx = std::make_shared<net::net_context>();
  ctx->config.max_outbound_bytes = opts.max_outbound_bytes;
  ctx->config.max_connections = max_connections(opts);
  ctx->system = &sys;
  ctx->svc = node.session_peers();
  ctx->db_healthy = node.db_healthy();
  auto* shards = net::shard_scheduler::of(sys);
  auto front_ptr = shards ? std::make_unique<net::server>(ctx, shards->contexts())
                          : std::make_unique<net::server>(ctx, opts.io_threads);
  auto& front = *front_ptr;
  std::string host;
  std::uint16_t port = 0;
  split_host_port(opts.listen, host, port);
  boost::system::error_code ec;
  auto address = boost::asio::ip::make_address(host, ec);
  if (ec) {
    std::cerr << "parleyd: --listen: bad address '" << host << "'\n";
    return 1;
  }
  boost::asio::ip::tcp::endpoint bound;
  try {
    bound = front.start({address, port});
  } catch (const std::exception& e) {
    std::cerr << "parleyd: cannot listen on " << opts.listen << ": " << e.what() << "\n";
    return 1;
  }
  if (opts.demo) {
    // A URL a browser on this machine can open, also when listening on all addresses.
    auto host = bound.address().is_unspecified() ? std::string{"127.0.0.1"}
                                                 : bound.address().to_string();
    std::int64_t week = 7 * 24 * 3600;
    demo::print_login_urls(
        std::cout, host, bound.port(), config->token_secret,
        opts.max_token_lifetime > 0 ? std::min(week, opts.max_token_lifetime) : week);
  }
  std::cout << "listening on " << bound.address().to_string() << ":" << bound.port()
            << std::endl;

  int sig = 0;
  sigwait(&stop_signals, &sig);
  std::cerr << "parleyd: " << (sig == SIGTERM ? "SIGTERM" : "SIGINT") << ", draining\n";

  // Shutdown in reverse: stop taking requests, let every accepted send commit and
  // be answered, close sockets with 1001, then stop actors and the database.
  front.stop_accepting();
  {
    caf::scoped_actor waiter{sys};
    waiter->request(node.registry_handle(), std::chrono::seconds{15}, drain_atom_v)
        .receive([](bool) {}, [](const caf::error&) {});
  }
  front.close_all(std::chrono::seconds{5});
  return 0;
}

} // namespace parley::server

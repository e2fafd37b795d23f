#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace parley::server {

/// The command line (README.md, "Command line"), with environment fallbacks
/// (PARLEY_LISTEN, PARLEY_DB, PARLEY_TOKEN_SECRET, PARLEY_DATA_DIR,
/// PARLEY_DB_TIMEOUT, PARLEY_NODE_NAME, PARLEY_CLUSTER_LISTEN, PARLEY_CLUSTER).
struct options {
  enum class command { serve, token, migrate, help };
  command cmd = command::help;

  std::string listen = "127.0.0.1:8080";
  std::optional<std::string> db;           // absent: the embedded default
  std::optional<std::string> token_secret; // absent: <data-dir>/token-secret
  std::string data_dir = "./parley-data";
  std::string node_name = "parley";
  std::size_t io_threads = 1;
  std::size_t actor_threads = 0; // 0: actors run on the io shards; N: CAF workers
  std::size_t db_workers = 4;
  std::size_t max_outbound_bytes = 4 * 1024 * 1024;
  /// Open WebSockets beyond which upgrades get 503; absent: the open-file limit
  /// less 256, 0: no bound.
  std::optional<std::size_t> max_connections;
  std::size_t rate_limit = 50; // requests per second per connection; 0: off
  std::size_t rate_burst = 200;
  std::size_t blob_gc_seconds = 3600; // unreferenced-blob collection period; 0: off
  std::int64_t max_token_lifetime = 30 * 24 * 3600; // seconds; 0: unbounded
  std::size_t db_timeout = 5; // seconds a database statement may take
  /// Clustering (docs/operations.md, "Running a cluster"): where this node takes
  /// its peers' connections, and every node's address (the same list on every
  /// node; it may include this one). Both empty: a single node, as without them.
  std::string cluster_listen;
  std::vector<std::string> cluster;
  bool clustered() const { return !cluster_listen.empty(); }
  /// Provision a demo org, users and conversation and print their login URLs.
  bool demo = false;

  // token
  std::string user;
  bool admin = false;
  std::int64_t ttl_seconds = 3600;
};

/// Parses argv (and the environment). On a usage error returns nullopt and puts
/// the message in `error`.
std::optional<options> parse_options(int argc, char** argv, std::string& error);

/// The usage text.
const char* usage();

/// Splits "HOST:PORT" (":PORT" means 127.0.0.1). False when malformed.
bool split_host_port(const std::string& text, std::string& host, std::uint16_t& port);

} // namespace parley::server

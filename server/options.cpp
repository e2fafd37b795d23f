#include "server/options.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace parley::server {

const char* usage() {
  return "usage:\n"
         "  parleyd serve [--listen HOST:PORT] [--db CONNINFO] [--token-secret S]\n"
         "                [--data-dir DIR] [--node-name N] [--io-threads N]\n"
         "                [--actor-threads N] [--db-workers N] [--max-outbound-bytes N]\n"
         "                [--max-token-lifetime SECONDS] [--max-connections N]\n"
         "                [--rate-limit PER_SECOND] [--rate-burst N]\n"
         "                [--blob-gc-interval SECONDS] [--db-timeout SECONDS]\n"
         "                [--node-name N --cluster-listen HOST:PORT\n"
         "                 --cluster HOST:PORT,...] [--demo]\n"
         "  parleyd token --user ID [--admin] [--ttl SECONDS] [--token-secret S]\n"
         "                [--data-dir DIR]\n"
         "  parleyd migrate --db CONNINFO\n"
         "environment: PARLEY_LISTEN, PARLEY_DB, PARLEY_TOKEN_SECRET, PARLEY_DATA_DIR,\n"
         "             PARLEY_DB_TIMEOUT, PARLEY_NODE_NAME, PARLEY_CLUSTER_LISTEN,\n"
         "             PARLEY_CLUSTER\n";
}

bool split_host_port(const std::string& text, std::string& host, std::uint16_t& port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  host = text.substr(0, colon);
  if (host.empty()) host = "127.0.0.1";
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  auto p = std::string_view{text}.substr(colon + 1);
  unsigned v = 0;
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (ec != std::errc{} || end != p.data() + p.size() || v > 65535 || p.empty())
    return false;
  port = static_cast<std::uint16_t>(v);
  return true;
}

namespace {

template <class T>
bool parse_number(std::string_view s, T& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && end == s.data() + s.size() && !s.empty();
}

/// "h1:p1,h2:p2" as addresses, each checked; false (with `error`) when one is
/// malformed or the list is empty.
bool split_peers(std::string_view text, std::vector<std::string>& out,
                 std::string& error) {
  out.clear();
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = std::string{text.substr(0, comma)};
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    if (item.empty()) continue;
    std::string host;
    std::uint16_t port = 0;
    if (!split_host_port(item, host, port) || port == 0) {
      error = "--cluster wants HOST:PORT,..., got '" + item + "'";
      return false;
    }
    out.push_back(item);
  }
  if (out.empty()) {
    error = "--cluster needs at least one HOST:PORT";
    return false;
  }
  return true;
}

} // namespace

std::optional<options> parse_options(int argc, char** argv, std::string& error) {
  options o;
  if (auto v = std::getenv("PARLEY_LISTEN")) o.listen = v;
  if (auto v = std::getenv("PARLEY_DB")) o.db = v;
  if (auto v = std::getenv("PARLEY_TOKEN_SECRET")) o.token_secret = v;
  if (auto v = std::getenv("PARLEY_DATA_DIR")) o.data_dir = v;
  if (auto v = std::getenv("PARLEY_NODE_NAME")) o.node_name = v;
  if (auto v = std::getenv("PARLEY_CLUSTER_LISTEN")) o.cluster_listen = v;
  if (auto v = std::getenv("PARLEY_CLUSTER"); v && !split_peers(v, o.cluster, error)) {
    error = "PARLEY_CLUSTER: " + error;
    return std::nullopt;
  }
  auto parse_db_timeout = [&](std::string_view v) {
    if (!parse_number(v, o.db_timeout) || o.db_timeout == 0 || o.db_timeout > 3600) {
      error = "--db-timeout needs a number of seconds from 1 to 3600";
      return false;
    }
    return true;
  };
  if (auto v = std::getenv("PARLEY_DB_TIMEOUT"); v && !parse_db_timeout(v)) {
    error = "PARLEY_DB_TIMEOUT: " + error;
    return std::nullopt;
  }
  if (argc < 2) {
    error = "missing command";
    return std::nullopt;
  }
  std::string_view cmd = argv[1];
  if (cmd == "serve")
    o.cmd = options::command::serve;
  else if (cmd == "token")
    o.cmd = options::command::token;
  else if (cmd == "migrate")
    o.cmd = options::command::migrate;
  else if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    o.cmd = options::command::help;
    return o;
  } else {
    error = "unknown command '" + std::string{cmd} + "'";
    return std::nullopt;
  }
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) {
        error = std::string{a} + " needs a value";
        return false;
      }
      out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--listen") {
      if (!value(o.listen)) return std::nullopt;
    } else if (a == "--db") {
      if (!value(v)) return std::nullopt;
      o.db = v;
    } else if (a == "--token-secret") {
      if (!value(v)) return std::nullopt;
      o.token_secret = v;
    } else if (a == "--data-dir") {
      if (!value(o.data_dir)) return std::nullopt;
    } else if (a == "--node-name") {
      if (!value(o.node_name)) return std::nullopt;
    } else if (a == "--io-threads" || a == "--actor-threads" || a == "--db-workers" ||
               a == "--max-outbound-bytes") {
      if (!value(v)) return std::nullopt;
      std::size_t n = 0;
      if (!parse_number(v, n) || n == 0) {
        error = std::string{a} + " needs a positive number";
        return std::nullopt;
      }
      (a == "--io-threads"      ? o.io_threads
       : a == "--actor-threads" ? o.actor_threads
       : a == "--db-workers"    ? o.db_workers
                                : o.max_outbound_bytes) = n;
    } else if (a == "--rate-limit" || a == "--rate-burst") {
      if (!value(v)) return std::nullopt;
      std::size_t n = 0;
      if (!parse_number(v, n) || (a == "--rate-burst" && n == 0)) {
        error = std::string{a} + (a == "--rate-limit"
                                      ? " needs a number of requests per second (0: off)"
                                      : " needs a positive number");
        return std::nullopt;
      }
      (a == "--rate-limit" ? o.rate_limit : o.rate_burst) = n;
    } else if (a == "--max-connections") {
      if (!value(v)) return std::nullopt;
      o.max_connections.emplace();
      if (!parse_number(v, *o.max_connections)) {
        error = "--max-connections needs a number of connections (0: no bound)";
        return std::nullopt;
      }
    } else if (a == "--blob-gc-interval") {
      if (!value(v)) return std::nullopt;
      if (!parse_number(v, o.blob_gc_seconds)) {
        error = "--blob-gc-interval needs a number of seconds (0: off)";
        return std::nullopt;
      }
    } else if (a == "--max-token-lifetime") {
      if (!value(v)) return std::nullopt;
      if (!parse_number(v, o.max_token_lifetime) || o.max_token_lifetime < 0) {
        error = "--max-token-lifetime needs a number of seconds (0: unbounded)";
        return std::nullopt;
      }
    } else if (a == "--db-timeout") {
      if (!value(v) || !parse_db_timeout(v)) return std::nullopt;
    } else if (a == "--demo") {
      o.demo = true;
    } else if (a == "--cluster-listen") {
      if (!value(o.cluster_listen)) return std::nullopt;
    } else if (a == "--cluster") {
      if (!value(v) || !split_peers(v, o.cluster, error)) return std::nullopt;
    } else if (a == "--user") {
      if (!value(o.user)) return std::nullopt;
    } else if (a == "--admin") {
      o.admin = true;
    } else if (a == "--ttl") {
      if (!value(v)) return std::nullopt;
      if (!parse_number(v, o.ttl_seconds) || o.ttl_seconds <= 0) {
        error = "--ttl needs a positive number of seconds";
        return std::nullopt;
      }
    } else {
      error = "unknown option '" + std::string{a} + "'";
      return std::nullopt;
    }
  }
  std::string host;
  std::uint16_t port = 0;
  if (o.cmd == options::command::serve && !split_host_port(o.listen, host, port)) {
    error = "--listen wants HOST:PORT, got '" + o.listen + "'";
    return std::nullopt;
  }
  if (o.cmd == options::command::serve &&
      (!o.cluster_listen.empty() || !o.cluster.empty())) {
    std::uint16_t cport = 0;
    if (o.cluster_listen.empty() || o.cluster.empty()) {
      error = "a cluster node needs both --cluster-listen and --cluster";
      return std::nullopt;
    }
    if (!split_host_port(o.cluster_listen, host, cport)) {
      error = "--cluster-listen wants HOST:PORT, got '" + o.cluster_listen + "'";
      return std::nullopt;
    }
    if (o.node_name.empty() || o.node_name == "parley") {
      // Placement hashes node names: two nodes with one name would both own the
      // same conversations.
      error = "a cluster node needs its own --node-name";
      return std::nullopt;
    }
  }
  if (o.cmd == options::command::token && o.user.empty()) {
    error = "token needs --user ID";
    return std::nullopt;
  }
  if (o.cmd == options::command::migrate && !o.db) {
    error = "migrate needs --db CONNINFO";
    return std::nullopt;
  }
  return o;
}

} // namespace parley::server

#pragma once

// Several parleyd nodes on one test database, joined as a cluster over loopback
// (docs/operations.md, "Running a cluster"): each started with its --node-name,
// --cluster-listen and the same --cluster list, each restartable.

#include <memory>
#include <string>
#include <vector>

#include "tests/integration/harness.hpp"

namespace parley::test {

class cluster_fixture {
public:
  std::string secret = "test-secret-0123456789";
  std::unique_ptr<test_database> db;
  std::vector<std::string> names;     // n1, n2, ...
  std::vector<std::string> addresses; // their --cluster-listen
  std::vector<std::unique_ptr<server_process>> nodes;

  /// Starts `n` nodes one after the other and waits until each sees all of them.
  void start(std::size_t n);
  /// Starts node `i` (again) with its name and address.
  void start_node(std::size_t i);
  /// Waits until node `i` sees `live` live nodes (its /metrics); false on timeout.
  bool wait_live(std::size_t i, std::int64_t live,
                 std::chrono::milliseconds timeout = 20s) const;
  /// The node's parley_cluster_live_nodes gauge (-1: no answer).
  std::int64_t live_nodes(std::size_t i) const;
  std::unique_ptr<ws_client> connect(std::size_t i, const std::string& user,
                                     bool admin = false) const;
  /// Provisions org "acme" and staff `users` through node `through`.
  void provision(std::size_t through, const std::vector<std::string>& users) const;
  /// The index of the node that owns `conv` among the live `nodes` (placement).
  std::size_t owner(const std::string& conv, const std::vector<std::size_t>& live) const;
};

/// A TCP port on 127.0.0.1 that was free a moment ago.
std::uint16_t free_port();

} // namespace parley::test

#include "tests/integration/cluster_harness.hpp"

#include <stdexcept>
#include <thread>

#include <boost/asio/ip/tcp.hpp>

#include "actors/rules/placement.hpp"
#include "tests/integration/http_client.hpp"

namespace parley::test {

std::uint16_t free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a{ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  return a.local_endpoint().port();
}

void cluster_fixture::start(std::size_t n) {
  db = std::make_unique<test_database>();
  names.clear();
  addresses.clear();
  nodes.clear();
  for (std::size_t i = 0; i < n; ++i) {
    names.push_back("n" + std::to_string(i + 1));
    addresses.push_back("127.0.0.1:" + std::to_string(free_port()));
  }
  nodes.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    start_node(i);
  for (std::size_t i = 0; i < n; ++i)
    if (!wait_live(i, static_cast<std::int64_t>(n)))
      throw std::runtime_error(names[i] +
                               " does not see the cluster: " + nodes[i]->stderr_text());
}

void cluster_fixture::start_node(std::size_t i) {
  std::string list;
  for (const auto& a : addresses)
    list += (list.empty() ? "" : ",") + a;
  nodes[i].reset();
  nodes[i] = std::make_unique<server_process>(std::vector<std::string>{
      "--db", db->conninfo(), "--token-secret", secret, "--node-name", names[i],
      "--cluster-listen", addresses[i], "--cluster", list});
}

std::int64_t cluster_fixture::live_nodes(std::size_t i) const {
  auto m = http_call(nodes[i]->port(), "GET", "/metrics", "");
  if (m.status != 200) return -1;
  const std::string key = "\nparley_cluster_live_nodes ";
  auto at = m.body.find(key);
  if (at == std::string::npos) return -1;
  return std::stoll(m.body.substr(at + key.size()));
}

bool cluster_fixture::wait_live(std::size_t i, std::int64_t live,
                                std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (live_nodes(i) == live) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

std::unique_ptr<ws_client>
cluster_fixture::connect(std::size_t i, const std::string& user, bool admin) const {
  auto c = std::make_unique<ws_client>(nodes[i]->port());
  auto r = c->hello(token_for(secret, user, admin));
  if (!r.ok())
    throw std::runtime_error("hello as " + user + " on " + names[i] +
                             " failed: " + r.str("message"));
  return c;
}

void cluster_fixture::provision(std::size_t through,
                                const std::vector<std::string>& users) const {
  provision_acme(*connect(through, "provisioner", true), users);
}

std::size_t cluster_fixture::owner(const std::string& conv,
                                   const std::vector<std::size_t>& live) const {
  std::vector<std::string> live_names;
  for (auto i : live)
    live_names.push_back(names[i]);
  return live[*placement::owner(conv, live_names)];
}

} // namespace parley::test

#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/config.hpp"

namespace parley::net {

class connection_set;

/// The HTTP/WebSocket front: an acceptor and the io_context threads that run every
/// connection. Starts listening in `start`, stops in two phases at shutdown.
class server {
public:
  server(std::shared_ptr<net_context> ctx, std::size_t threads);
  ~server();

  /// Binds and listens; returns the bound endpoint (port 0 picks one).
  boost::asio::ip::tcp::endpoint start(const boost::asio::ip::tcp::endpoint& at);

  /// Shutdown phase 1: stop accepting and stop reading requests.
  void stop_accepting();

  /// Shutdown phase 2: every session closes with 1001 after its queued frames;
  /// waits up to `grace` for the connections to end, then stops the threads.
  void close_all(std::chrono::milliseconds grace);

private:
  void do_accept();

  std::shared_ptr<net_context> ctx_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<connection_set> connections_;
  std::size_t thread_count_;
  std::vector<std::thread> threads_;
};

} // namespace parley::net

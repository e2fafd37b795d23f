#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/config.hpp"
#include "net/io.hpp"

namespace parley::net {

class connection_set;
class shard_outbox;

/// The HTTP/WebSocket front: an acceptor and the io shards that run every
/// connection. A shard is an io_context run by one thread, with the outbox
/// through which actors hand it frames; accepted connections are dealt to the
/// shards in turn and stay on theirs (net/io.hpp). Starts listening in `start`,
/// stops in two phases at shutdown.
class server {
public:
  /// An io_context that one thread runs, and the outbox into it.
  struct shard {
    boost::asio::io_context* ioc;
    std::shared_ptr<shard_outbox> outbox;
  };

  /// `threads` io shards of its own (at least one), each run by a thread it starts.
  server(std::shared_ptr<net_context> ctx, std::size_t threads);
  /// The io shards of the actor scheduler (net/shard_scheduler.hpp), whose
  /// threads run them from before this server exists until after it is gone.
  server(std::shared_ptr<net_context> ctx, std::vector<boost::asio::io_context*> shards);
  ~server();

  /// Binds and listens; returns the bound endpoint (port 0 picks one).
  boost::asio::ip::tcp::endpoint start(const boost::asio::ip::tcp::endpoint& at);

  /// Shutdown phase 1: stop accepting and stop reading requests.
  void stop_accepting();

  /// Shutdown phase 2: every session closes with 1001 after its queued frames;
  /// waits up to `grace` for the connections to end, then stops the threads.
  void close_all(std::chrono::milliseconds grace);

private:
  server(std::shared_ptr<net_context> ctx,
         std::vector<std::unique_ptr<boost::asio::io_context>> own,
         std::vector<boost::asio::io_context*> borrowed);
  void do_accept();
  static bool out_of_descriptors(const boost::beast::error_code& ec);
  /// Out of file descriptors: accept again after accept_backoff.
  void pause_accepting(const boost::beast::error_code& ec);
  void stop_shards();

  static constexpr std::chrono::milliseconds accept_backoff{100};

  std::shared_ptr<net_context> ctx_;
  std::vector<std::unique_ptr<boost::asio::io_context>> own_contexts_; // else borrowed
  std::vector<std::unique_ptr<shard>> shards_;
  boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, executor> acceptor_;
  std::size_t next_shard_ = 0;   // the acceptor's: who gets the next connection
  bool acceptor_closed_ = false; // by stop_shards, on borrowed shards
  boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                    boost::asio::wait_traits<std::chrono::steady_clock>,
                                    executor>
      accept_pause_;
  std::chrono::steady_clock::time_point last_descriptor_warning_{};
  std::shared_ptr<connection_set> connections_;
  std::vector<std::thread> threads_;
};

} // namespace parley::net

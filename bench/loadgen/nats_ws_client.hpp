#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "bench/loadgen/target.hpp"
#include "bench/loadgen/ws_connect.hpp"

namespace parley::bench {

/// One client connection to nats-server's WebSocket listener, speaking the core NATS
/// text protocol (CONNECT, SUB, PUB, PING/PONG in; INFO, MSG, PING/PONG, +OK, -ERR
/// out) for the fan-out peer (bench/README.md). The protocol is a byte stream: the
/// server may split a MSG over WebSocket frames or put many in one, so what is read
/// is buffered and parsed line by line; and everything queued while a write is in
/// flight goes out as one frame (one syscall per burst, as parleyd's gathered writes).
///
/// Like ws_client, every member runs on the thread of the io_context it was built
/// with (one thread per io_context); other threads reach it with asio::post.
class nats_ws_client : public std::enable_shared_from_this<nats_ws_client> {
public:
  using clock = std::chrono::steady_clock;
  using fail_handler = std::function<void(const std::string& what)>;
  using done_handler = std::function<void()>;
  /// A MSG: subject and payload are valid only during the call.
  using msg_handler = std::function<void(
      std::string_view subject, std::string_view payload, clock::time_point received)>;
  /// A write completed: `publishes` PUBs left in it, `marked` of them published with
  /// mark = true. Core NATS has no publish ack; this is the closest thing.
  using flushed_handler = std::function<void(std::size_t publishes, std::size_t marked)>;

  /// Bytes queued behind the write in flight before the connection gives up: the
  /// server has stopped reading (saturated), and the run aborts rather than buffer
  /// without bound.
  static constexpr std::size_t max_queued_bytes = 64u << 20;
  /// Largest WebSocket message read from the server.
  static constexpr std::size_t max_read_bytes = 16u << 20;

  /// `name` labels this connection in error messages. `on_fail` is called at most
  /// once, for any failure not caused by close(), including a -ERR from the server.
  nats_ws_client(boost::asio::io_context& ioc, ws_target target, std::string name,
                 fail_handler on_fail);

  /// Before connect(): bind the socket to this local address (see ws_client).
  void bind_source(boost::asio::ip::address source) { source_ = source; }
  void on_msg(msg_handler h) { on_msg_ = std::move(h); }
  void on_flushed(flushed_handler h) { on_flushed_ = std::move(h); }

  /// Connects (TCP_NODELAY), does the WebSocket handshake, sends CONNECT (echo on:
  /// a publisher subscribed to its own subject gets its message too), SUB `subject`
  /// and PING; `on_ready` runs at the PONG, when the server has the subscription.
  void connect(std::string subject, done_handler on_ready);

  /// Queues `PUB subject <n>\r\n<payload>\r\n`.
  void publish(std::string_view subject, std::string_view payload, bool mark);

  /// Closes with 1000 once the queued bytes are written; `on_closed` runs when the
  /// close handshake ends, successfully or not.
  void close(done_handler on_closed);

  boost::asio::any_io_executor executor() { return ws_.get_executor(); }

private:
  void on_open(boost::beast::error_code ec, const std::string& what);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void parse(clock::time_point received);
  void queue(std::string_view bytes);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void do_close();
  void on_close(boost::beast::error_code ec);
  void fail(boost::beast::error_code ec, std::string_view what);
  void fail(const std::string& what);

  ws_target target_;
  std::string name_;
  fail_handler on_fail_;
  done_handler on_ready_;
  done_handler on_closed_;
  msg_handler on_msg_;
  flushed_handler on_flushed_;
  std::string subject_;
  boost::asio::ip::address source_;
  boost::asio::ip::tcp::resolver resolver_;
  ws_stream ws_;
  boost::beast::flat_buffer read_buffer_;
  std::string in_;      // read and not yet parsed (a partial line or payload)
  std::string out_;     // queued behind the write in flight
  std::string writing_; // the frame being written
  std::size_t out_pubs_ = 0, out_marked_ = 0, writing_pubs_ = 0, writing_marked_ = 0;
  bool writing_busy_ = false;
  bool open_ = false;
  bool ready_ = false;      // the first PONG arrived
  bool closing_ = false;    // close() was called: errors from now on are expected
  bool close_sent_ = false; // the close frame is on its way: nothing more to write
  bool failed_ = false;
};

} // namespace parley::bench

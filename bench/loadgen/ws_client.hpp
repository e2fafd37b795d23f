#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "bench/loadgen/target.hpp"
#include "bench/loadgen/ws_connect.hpp"
#include "protocol/codec.hpp"

namespace parley::bench {

/// One client WebSocket connection speaking Parley's framing (docs/protocol.md,
/// "Global rules"): binary frames of one MessagePack map each, requests matched to
/// replies by `rid`, pushes (frames without a reply op) handed to a push handler or
/// dropped. Requests are pipelined: any number may be in flight, and replies may come
/// in any order.
///
/// Every member runs on the thread of the io_context it was built with (the load
/// generator runs each io_context on exactly one thread, so no strand is needed);
/// other threads reach it with asio::post. Async operations come in do_x / on_x
/// pairs as in Beast's examples; one write is in flight, the rest wait in a queue.
class ws_client : public std::enable_shared_from_this<ws_client> {
public:
  using clock = std::chrono::steady_clock;

  /// A reply frame, valid only during the handler call.
  struct reply {
    bool ok = false;
    std::string_view code;    // error code when !ok
    std::string_view message; // human text when !ok
    const protocol::request& frame;
    clock::time_point received; // when the frame was read, before decoding
  };

  using reply_handler = std::function<void(const reply&)>;
  using fail_handler = std::function<void(const std::string& what)>;
  using done_handler = std::function<void()>;
  /// A push (a frame whose op is not `reply`), valid only during the call.
  using push_handler =
      std::function<void(const protocol::request& frame, clock::time_point received)>;

  /// Frames queued behind the one being written. The load generator never queues
  /// more than its in-flight window (closed loop) or one connection's share of the
  /// run (open loop); a server so slow that this many frames pile up in front of its
  /// socket is saturated, and the run aborts rather than buffer without bound.
  static constexpr std::size_t max_queued_frames = 100'000;

  /// Largest frame read from the server.
  static constexpr std::size_t max_read_bytes = 16u << 20;

  /// `name` labels this connection in error messages. `on_fail` is called at most
  /// once, for any failure not caused by close(): connect, handshake, I/O, a close by
  /// the server, or a frame that breaks the protocol.
  ws_client(boost::asio::io_context& ioc, ws_target target, std::string name,
            fail_handler on_fail);

  /// Resolves, connects (TCP_NODELAY), and does the WebSocket handshake.
  void connect(done_handler on_open);

  /// Before connect(): bind the socket to this local address (port chosen by the
  /// kernel), so that many connections to one server can come from several loopback
  /// addresses instead of sharing one address's ephemeral ports. Empty: no bind.
  void bind_source(boost::asio::ip::address source) { source_ = source; }

  /// Pushes go to `h` instead of being dropped.
  void on_push(push_handler h) { on_push_ = std::move(h); }

  /// Sends `{op, rid, ...fields}` with a fresh rid; `on_reply` gets its reply.
  void request(std::string_view op, const protocol::map_builder& fields,
               reply_handler on_reply);

  /// Closes with 1000 once the queued frames are written; `on_closed` runs when the
  /// close handshake ends, successfully or not.
  void close(done_handler on_closed);

  /// Requests sent and not yet answered.
  std::size_t pending() const { return pending_.size(); }

  const std::string& name() const { return name_; }

  /// The executor of the io_context this connection runs on, for timers beside it.
  boost::asio::any_io_executor executor() { return ws_.get_executor(); }

private:
  void on_open(boost::beast::error_code ec, const std::string& what);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void dispatch(std::string_view bytes, clock::time_point received);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void do_close();
  void on_close(boost::beast::error_code ec);
  void fail(boost::beast::error_code ec, std::string_view what);
  void fail(const std::string& what);

  ws_target target_;
  std::string name_;
  fail_handler on_fail_;
  done_handler on_open_;
  done_handler on_closed_;
  push_handler on_push_;
  boost::asio::ip::address source_;
  boost::asio::ip::tcp::resolver resolver_;
  ws_stream ws_;
  boost::beast::flat_buffer read_buffer_;
  std::deque<std::string> write_queue_; // front() is being written
  std::unordered_map<std::uint64_t, reply_handler> pending_;
  std::uint64_t next_rid_ = 1;
  bool open_ = false;
  bool closing_ = false; // close() was called: errors from now on are expected
  bool failed_ = false;
};

} // namespace parley::bench

#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "actors/interfaces.hpp"
#include "actors/outbound.hpp"
#include "net/coalescing_stream.hpp"
#include "net/config.hpp"

namespace parley::net {

class connection_set;

/// One WebSocket connection. All its state lives on its strand: reads forward
/// frames to the session actor; outgoing frames are framed here and gathered in
/// a bounded buffer beneath the WebSocket (coalescing_stream), so whatever the
/// strand queued for this client in one turn leaves in one socket write.
class ws_session : public std::enable_shared_from_this<ws_session> {
public:
  ws_session(boost::beast::tcp_stream&& stream, std::shared_ptr<net_context> ctx,
             std::shared_ptr<connection_set> connections);
  ~ws_session();

  /// Completes the upgrade handshake for `req`.
  void run(boost::beast::http::request<boost::beast::http::string_body> req);

  // Called from any thread (the outbound interface posts these to the strand).
  /// Queues a frame: frames handed over from other threads gather in a small
  /// inbox that one strand job drains, so a burst of pushes to this connection
  /// (a committed batch's fan-out, replies) costs one wake of the strand.
  void post_send(frame f);
  void post_close(std::uint16_t code, std::string reason);
  /// Server shutdown, phase 1: stop handing new frames to the session actor.
  void post_stop_reading();
  /// Server shutdown, phase 2: the session actor closes with 1001.
  void notify_shutdown();

private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void drain_inbox();
  void enqueue(const frame& f);
  void start_close(std::uint16_t code, std::string reason);
  void do_close();
  void on_close(boost::beast::error_code ec);
  void finish();

  boost::beast::websocket::stream<coalescing_stream<boost::beast::tcp_stream>> ws_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<net_context> ctx_;
  std::shared_ptr<connection_set> connections_;
  session_actor actor_;
  std::uint64_t id_ = 0; // in connections_

  std::mutex inbox_mutex_;
  std::vector<frame> inbox_;    // under inbox_mutex_
  bool drain_posted_ = false;   // under inbox_mutex_
  std::vector<frame> draining_; // the strand's: what the current drain sends

  bool close_pending_ = false;
  bool close_sent_ = false;
  bool reading_stopped_ = false;
  bool finished_ = false;
  boost::beast::websocket::close_reason close_reason_;
};

} // namespace parley::net

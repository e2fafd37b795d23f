#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "actors/api/interfaces.hpp"
#include "actors/api/outbound.hpp"
#include "net/coalescing_stream.hpp"
#include "net/config.hpp"
#include "net/frame_read_buffer.hpp"
#include "net/io.hpp"

namespace parley::net {

class connection_set;
class shard_outbox;

/// One WebSocket connection. All its state lives on its io shard's thread: reads
/// forward frames to the session actor; outgoing frames arrive through the shard's
/// outbox, are framed here and gathered in a bounded buffer beneath the WebSocket
/// (coalescing_stream), so whatever a drain of the outbox brought for this client
/// leaves in one socket write.
class ws_session : public std::enable_shared_from_this<ws_session> {
public:
  ws_session(tcp_stream&& stream, std::shared_ptr<net_context> ctx,
             std::shared_ptr<connection_set> connections,
             std::shared_ptr<shard_outbox> outbox);
  ~ws_session();

  /// Completes the upgrade handshake for `req`.
  void run(boost::beast::http::request<boost::beast::http::string_body> req);

  // Called from any thread (the outbound interface); they hop onto the shard.
  /// The shard's hand-off queue, which every frame for this connection takes.
  const std::shared_ptr<shard_outbox>& outbox() const { return outbox_; }
  void post_close(std::uint16_t code, std::string reason);
  /// Server shutdown, phase 1: stop handing new frames to the session actor.
  void post_stop_reading();
  /// Server shutdown, phase 2: the session actor closes with 1001.
  void notify_shutdown();
  /// Server shutdown, last: the connection is cut where it stands.
  void post_abort();

  // Called on the shard's thread by its outbox.
  /// Takes one frame behind those already accepted; true when this connection
  /// was not yet due for a flush in the current drain.
  bool accept(const frame& f);
  /// Starts the socket write of what the drain brought.
  void flush();

private:
  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void enqueue(const frame& f);
  void start_close(std::uint16_t code, std::string reason);
  void do_close();
  void on_close(boost::beast::error_code ec);
  void finish();

  boost::beast::websocket::stream<coalescing_stream<tcp_stream>> ws_;
  frame_read_buffer buffer_;
  std::shared_ptr<net_context> ctx_;
  std::shared_ptr<connection_set> connections_;
  session_actor actor_;
  std::uint64_t id_ = 0; // in connections_

  std::shared_ptr<shard_outbox> outbox_;
  bool flush_due_ = false; // accepted frames wait for the drain's flush

  bool close_pending_ = false;
  bool close_sent_ = false;
  bool reading_stopped_ = false;
  bool finished_ = false;
  boost::beast::websocket::close_reason close_reason_;
};

} // namespace parley::net

#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "bench/loadgen/target.hpp"
#include "bench/loadgen/ws_connect.hpp"

namespace parley::bench {

/// One XMPP client connection over WebSocket (RFC 7395): text frames, one top-level
/// element each, `<open/>` framing, the `xmpp` subprotocol. It logs in with SASL
/// ANONYMOUS (no accounts to provision), binds a resource, joins one multi-user chat
/// room (XEP-0045) and sends groupchat messages there; every groupchat message with a
/// body that arrives afterwards is handed to the message handler.
///
/// Like ws_client, every member runs on the one thread of the io_context it was built
/// with; other threads reach it with asio::post. One write is in flight at a time.
class xmpp_ws_client : public std::enable_shared_from_this<xmpp_ws_client> {
public:
  using clock = std::chrono::steady_clock;
  using fail_handler = std::function<void(const std::string& what)>;
  using done_handler = std::function<void()>;
  /// A groupchat message with a body (raw XML text, entities left in), valid during
  /// the call.
  using message_handler = std::function<void(std::string_view body, clock::time_point)>;
  /// Any other stanza once joined (presence, a message without a body, ...).
  using other_handler = std::function<void()>;

  /// Frames queued behind the one being written before the run counts the server as
  /// not reading (saturated) and fails, as ws_client does.
  static constexpr std::size_t max_queued_frames = 100'000;
  static constexpr std::size_t max_read_bytes = 1u << 20;

  /// `domain` is the XMPP domain to open the stream to; `name` labels this connection
  /// in error messages. `on_fail` is called at most once, for any failure not caused
  /// by close(): connect, handshake, I/O, a refused login or join, a stream error.
  xmpp_ws_client(boost::asio::io_context& ioc, ws_target target, std::string domain,
                 std::string name, fail_handler on_fail);

  /// Before connect(): bind the socket to this local address.
  void bind_source(boost::asio::ip::address source) { source_ = source; }

  void on_message(message_handler h) { on_message_ = std::move(h); }
  void on_other(other_handler h) { on_other_ = std::move(h); }

  /// Connects, does the WebSocket handshake, opens the stream, authenticates with
  /// SASL ANONYMOUS, reopens the stream, binds a resource (and establishes a session
  /// if the server says it is required); then `on_ready`.
  void connect(done_handler on_ready);

  /// Sends presence to `room_jid`/`nick` asking for no history, and calls `on_joined`
  /// once the room reflects our own presence (status code 110).
  void join(std::string room_jid, std::string nick, done_handler on_joined);

  /// Sends one groupchat message to the joined room. `body` must be XML-safe text.
  void send_groupchat(std::string_view body);

  /// Closes the stream and the WebSocket once the queued frames are written;
  /// `on_closed` runs when the close handshake ends, successfully or not.
  void close(done_handler on_closed);

  const std::string& name() const { return name_; }

private:
  enum class phase {
    connecting,
    features,
    authenticating,
    bound_features,
    binding,
    session,
    ready,
    joining,
    joined
  };

  void on_open(boost::beast::error_code ec, const std::string& what);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void dispatch(std::string_view frame, clock::time_point received);
  void on_stanza_joined(std::string_view name, std::string_view frame,
                        clock::time_point received);
  void write(std::string frame);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void do_close();
  void on_close(boost::beast::error_code ec);
  void fail(boost::beast::error_code ec, std::string_view what);
  void fail(const std::string& what);
  void send_open();

  ws_target target_;
  std::string domain_;
  std::string name_;
  fail_handler on_fail_;
  done_handler on_ready_;
  done_handler on_joined_;
  done_handler on_closed_;
  message_handler on_message_;
  other_handler on_other_;
  boost::asio::ip::address source_;
  boost::asio::ip::tcp::resolver resolver_;
  ws_stream ws_;
  boost::beast::flat_buffer read_buffer_;
  std::deque<std::string> write_queue_; // front() is being written
  std::string room_jid_;
  std::string occupant_jid_;   // room@service/nick: whose presence means "joined"
  std::string message_prefix_; // the start of every groupchat message we send
  phase phase_ = phase::connecting;
  bool open_ = false;
  bool closing_ = false;
  bool failed_ = false;
};

} // namespace parley::bench

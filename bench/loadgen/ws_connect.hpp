#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "bench/loadgen/target.hpp"

// Opening a client WebSocket, and saying why one failed: the steps every load-generator
// client (ws_client, nats_ws_client, xmpp_ws_client) takes the same way, whatever it
// speaks over the socket afterwards.
namespace parley::bench {

using ws_stream = boost::beast::websocket::stream<boost::beast::tcp_stream>;

struct ws_open_options {
  std::string user_agent;
  std::string subprotocol;         // Sec-WebSocket-Protocol; none when empty
  bool text = false;               // text frames, else binary
  std::size_t max_read_bytes = 0;  // largest message read
  boost::asio::ip::address source; // bind the socket here first, unless unspecified
};

/// Called once: `ec` empty when the handshake is done, else the error and which step
/// failed ("connect to HOST:PORT", ...).
using ws_open_handler =
    std::function<void(boost::beast::error_code ec, std::string what)>;

/// Resolves `target`, binds to the source address if one is given, connects (with
/// TCP_NODELAY) and does the WebSocket handshake on `ws`. `ws`, `resolver` and
/// `target` must outlive the operation: `done` should hold their owner.
void async_open_ws(ws_stream& ws, boost::asio::ip::tcp::resolver& resolver,
                   const ws_target& target, ws_open_options options,
                   ws_open_handler done);

/// One line for an I/O failure: "what: error", or, when the server closed the
/// WebSocket, the code and reason of its close frame.
std::string describe_ws_error(ws_stream& ws, boost::beast::error_code ec,
                              std::string_view what);

} // namespace parley::bench

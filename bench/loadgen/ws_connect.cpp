#include "bench/loadgen/ws_connect.hpp"

#include <chrono>
#include <memory>
#include <utility>

#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket.hpp>

namespace parley::bench {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr auto connect_timeout = std::chrono::seconds(10);

/// What the asynchronous steps share; each step's handler holds it.
struct open_op {
  ws_stream& ws;
  const ws_target& target;
  ws_open_options options;
  ws_open_handler done;
};

void on_connect(const std::shared_ptr<open_op>& op, beast::error_code ec) {
  if (ec) return op->done(ec, "connect to " + op->target.host_header());
  auto& stream = beast::get_lowest_layer(op->ws);
  stream.socket().set_option(tcp::no_delay(true), ec);
  if (ec) return op->done(ec, "set TCP_NODELAY");
  // The handshake has its own timeout from the suggested settings; reads never time
  // out (a quiet connection is normal), the run's global --timeout bounds them.
  stream.expires_never();
  auto& ws = op->ws;
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  ws.set_option(websocket::stream_base::decorator(
      [agent = op->options.user_agent,
       protocol = op->options.subprotocol](websocket::request_type& req) {
        req.set(beast::http::field::user_agent, agent);
        if (!protocol.empty())
          req.set(beast::http::field::sec_websocket_protocol, protocol);
      }));
  if (op->options.text)
    ws.text(true);
  else
    ws.binary(true);
  ws.read_message_max(op->options.max_read_bytes);
  ws.async_handshake(
      op->target.host_header(), op->target.path, [op](beast::error_code e) {
        if (e)
          return op->done(e, "WebSocket handshake with " + op->target.host_header() +
                                 op->target.path);
        op->done({}, {});
      });
}

} // namespace

void async_open_ws(ws_stream& ws, tcp::resolver& resolver, const ws_target& target,
                   ws_open_options options, ws_open_handler done) {
  auto op =
      std::make_shared<open_op>(open_op{ws, target, std::move(options), std::move(done)});
  resolver.async_resolve(
      target.host, target.port,
      [op](beast::error_code ec, const tcp::resolver::results_type& results) {
        if (ec) return op->done(ec, "resolve " + op->target.host_header());
        auto& stream = beast::get_lowest_layer(op->ws);
        stream.expires_after(connect_timeout);
        const auto& source = op->options.source;
        if (source.is_unspecified()) {
          stream.async_connect(results, [op](beast::error_code e, const tcp::endpoint&) {
            on_connect(op, e);
          });
          return;
        }
        // A bound socket connects to one endpoint: the range overload would reopen it.
        const tcp::endpoint remote = *results.begin();
        auto& socket = stream.socket();
        socket.open(remote.protocol(), ec);
        if (!ec) socket.bind(tcp::endpoint{source, 0}, ec);
        if (ec) return op->done(ec, "bind to " + source.to_string());
        stream.async_connect(remote, [op](beast::error_code e) { on_connect(op, e); });
      });
}

std::string describe_ws_error(ws_stream& ws, beast::error_code ec,
                              std::string_view what) {
  if (ec == websocket::error::closed) {
    const auto& reason = ws.reason();
    std::string text = "server closed the connection with code " +
                       std::to_string(static_cast<unsigned>(reason.code));
    if (!reason.reason.empty())
      text += " (" + std::string{reason.reason.data(), reason.reason.size()} + ")";
    return text;
  }
  return std::string{what} + ": " + ec.message();
}

} // namespace parley::bench

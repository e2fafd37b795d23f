#pragma once

#include <memory>
#include <optional>
#include <string_view>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "net/config.hpp"
#include "net/io.hpp"

namespace parley::net {

class connection_set;
class shard_outbox;
struct static_asset;

/// One plain HTTP connection: answers GET /healthz, GET /metrics and the demo page's
/// files (net/static_assets.hpp), and hands an
/// upgrade to /v1 over to a ws_session and blob requests to net/blob_routes.
/// Keep-alive, one request at a time.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(tcp_socket&& socket, std::shared_ptr<net_context> ctx,
               std::shared_ptr<connection_set> connections,
               std::shared_ptr<shard_outbox> outbox);

  void run();

private:
  void do_read();
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void respond(boost::beast::http::status status, std::string content_type,
               std::string body, std::string_view retry_after = {});
  /// 200 with an embedded file (headers only for HEAD).
  void respond_static(const static_asset& asset, bool head);
  /// A new response_ with the common headers.
  void start_response(boost::beast::http::status status, std::string_view content_type);
  /// Sets keep-alive and writes response_.
  void write_response();
  /// The node holds --max-connections WebSockets already.
  bool node_full() const;
  void on_write(bool close, boost::beast::error_code ec, std::size_t bytes);

  tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>>
      parser_;
  std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>>
      response_;
  std::shared_ptr<net_context> ctx_;
  std::shared_ptr<connection_set> connections_;
  std::shared_ptr<shard_outbox> outbox_; // its shard's, for a WebSocket upgrade
  bool bad_framing_ = false; // the request's length is unknown: close after answering
  bool close_after_answer_ = false; // a refused upgrade: the client goes elsewhere
};

} // namespace parley::net

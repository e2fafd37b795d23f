#pragma once

#include <memory>
#include <optional>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "net/config.hpp"

namespace parley::net {

class connection_set;

/// One plain HTTP connection: answers GET /healthz and GET /metrics, and hands an
/// upgrade to /v1 over to a ws_session and blob requests to net/blob_routes.
/// Keep-alive, one request at a time.
class http_session : public std::enable_shared_from_this<http_session> {
public:
  http_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<net_context> ctx,
               std::shared_ptr<connection_set> connections);

  void run();

private:
  void do_read();
  void on_header(boost::beast::error_code ec, std::size_t bytes);
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void respond(boost::beast::http::status status, std::string content_type,
               std::string body);
  void on_write(bool close, boost::beast::error_code ec, std::size_t bytes);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>>
      parser_;
  std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>>
      response_;
  std::shared_ptr<net_context> ctx_;
  std::shared_ptr<connection_set> connections_;
};

} // namespace parley::net

#include "net/http_session.hpp"

#include <limits>

#include <boost/beast/websocket.hpp>

#include "net/blob_routes.hpp"
#include "net/fail.hpp"
#include "net/http_request.hpp"
#include "net/static_assets.hpp"
#include "net/ws_session.hpp"

namespace parley::net {

namespace beast = boost::beast;
namespace http = beast::http;

http_session::http_session(tcp_socket&& socket, std::shared_ptr<net_context> ctx,
                           std::shared_ptr<connection_set> connections,
                           std::shared_ptr<shard_outbox> outbox)
    : stream_(std::move(socket)), ctx_(std::move(ctx)),
      connections_(std::move(connections)), outbox_(std::move(outbox)) {}

void http_session::run() {
  do_read();
}

void http_session::do_read() {
  parser_.emplace();
  parser_->header_limit(8 * 1024);
  // The header first: an upload's Content-Length is judged by its own route. (Not
  // boost::none: Boost 1.74 compares a length against an empty limit as exceeded.)
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  stream_.expires_after(std::chrono::seconds{30});
  http::async_read_header(
      stream_, buffer_, *parser_,
      beast::bind_front_handler(&http_session::on_header, shared_from_this()));
}

void http_session::on_header(beast::error_code ec, std::size_t bytes) {
  if (ec) return on_read(ec, bytes);
  auto& req = parser_->get();
  auto te = req[http::field::transfer_encoding];
  if (!acceptable_transfer_encoding(std::string_view{te.data(), te.size()})) {
    bad_framing_ = true; // the connection closes after the answer
    return respond(http::status::bad_request, "text/plain",
                   "unsupported Transfer-Encoding\n");
  }
  auto target = std::string_view{req.target().data(), req.target().size()};
  if (req.method() == http::verb::post &&
      is_blob_upload(target.substr(0, target.find('?'))) &&
      !beast::websocket::is_upgrade(req)) {
    serve_blob_upload(std::move(stream_), std::move(buffer_), std::move(*parser_), ctx_);
    return;
  }
  if (auto length = parser_->content_length();
      length && *length > ctx_->config.max_http_body)
    return respond(http::status::payload_too_large, "text/plain", "too large\n");
  parser_->body_limit(ctx_->config.max_http_body);
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&http_session::on_read, shared_from_this()));
}

void http_session::on_read(beast::error_code ec, std::size_t) {
  if (ec == http::error::end_of_stream) {
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    return;
  }
  if (ec == http::error::body_limit)
    return respond(http::status::payload_too_large, "text/plain", "too large\n");
  if (ec == http::error::header_limit)
    return respond(http::status::request_header_fields_too_large, "text/plain",
                   "headers too large\n");
  if (ec) {
    // Malformed HTTP: answer 400 when something readable arrived, else just drop.
    if (ec.category() == beast::error_code{http::error::bad_target}.category())
      return respond(http::status::bad_request, "text/plain", "bad request\n");
    return fail(ec, "http read");
  }
  auto& req = parser_->get();
  auto target = std::string_view{req.target().data(), req.target().size()};
  auto path = target.substr(0, target.find('?'));
  if (beast::websocket::is_upgrade(req)) {
    if (path != "/v1")
      return respond(http::status::not_found, "text/plain",
                     "WebSocket endpoint is /v1\n");
    if (node_full()) {
      ctx_->svc.stats->connections_refused.fetch_add(1, std::memory_order_relaxed);
      close_after_answer_ = true;
      return respond(http::status::service_unavailable, "text/plain",
                     "server full; retry later\n", "5");
    }
    std::make_shared<ws_session>(std::move(stream_), ctx_, connections_, outbox_)
        ->run(parser_->release());
    return;
  }
  if (req.method() == http::verb::get && is_blob_download(path)) {
    serve_blob_download(std::move(stream_), parser_->release(), ctx_);
    return;
  }
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    return respond(http::status::method_not_allowed, "text/plain",
                   "method not allowed\n");
  if (path == "/healthz") {
    bool ok = ctx_->db_healthy && ctx_->db_healthy->load();
    return ok ? respond(http::status::ok, "text/plain", "ok\n")
              : respond(http::status::service_unavailable, "text/plain",
                        "database unreachable\n");
  }
  if (path == "/metrics")
    return respond(http::status::ok, "text/plain; version=0.0.4",
                   ctx_->svc.stats->render());
  if (auto asset = find_static_asset(path))
    return respond_static(*asset, req.method() == http::verb::head);
  respond(http::status::not_found, "text/plain", "not found\n");
}

bool http_session::node_full() const {
  auto max = ctx_->config.max_connections;
  if (max == 0) return false;
  auto open = ctx_->svc.stats->connections_open.load(std::memory_order_relaxed);
  return open >= 0 && static_cast<std::size_t>(open) >= max;
}

void http_session::respond(http::status status, std::string content_type,
                           std::string body, std::string_view retry_after) {
  start_response(status, content_type);
  if (!retry_after.empty())
    response_->set(http::field::retry_after,
                   beast::string_view{retry_after.data(), retry_after.size()});
  response_->body() = std::move(body);
  response_->prepare_payload();
  write_response();
}

void http_session::respond_static(const static_asset& asset, bool head) {
  start_response(http::status::ok, asset.content_type);
  // Revalidated at each load, so a new parleyd's page replaces the old at once;
  // the types are exact, so browsers need not guess them.
  response_->set(http::field::cache_control, "no-cache");
  response_->set("X-Content-Type-Options", "nosniff");
  if (head) {
    response_->content_length(asset.body.size());
  } else {
    response_->body().assign(asset.body.data(), asset.body.size());
    response_->prepare_payload();
  }
  write_response();
}

void http_session::start_response(http::status status, std::string_view content_type) {
  auto version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
  response_ = std::make_shared<http::response<http::string_body>>(status, version);
  response_->set(http::field::server, "parley");
  response_->set(http::field::content_type,
                 beast::string_view{content_type.data(), content_type.size()});
}

void http_session::write_response() {
  bool keep_alive = parser_ && parser_->is_header_done() && parser_->get().keep_alive();
  response_->keep_alive(keep_alive && !bad_framing_ && !close_after_answer_ &&
                        response_->result() != http::status::payload_too_large);
  bool close = !response_->keep_alive();
  http::async_write(
      stream_, *response_,
      beast::bind_front_handler(&http_session::on_write, shared_from_this(), close));
}

void http_session::on_write(bool close, beast::error_code ec, std::size_t) {
  if (ec) return fail(ec, "http write");
  if (close) {
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    return;
  }
  do_read();
}

} // namespace parley::net

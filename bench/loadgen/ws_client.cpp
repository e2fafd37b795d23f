#include "bench/loadgen/ws_client.hpp"

#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>

namespace parley::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

std::string_view str_field(const protocol::request& frame, std::string_view key) {
  auto o = frame.find(key);
  if (!o || o->type != msgpack::type::STR) return {};
  return {o->via.str.ptr, o->via.str.size};
}

} // namespace

ws_client::ws_client(asio::io_context& ioc, ws_target target, std::string name,
                     fail_handler on_fail)
    : target_(std::move(target)), name_(std::move(name)), on_fail_(std::move(on_fail)),
      resolver_(ioc), ws_(ioc) {}

// -- connect --------------------------------------------------------------------

void ws_client::connect(done_handler on_open) {
  on_open_ = std::move(on_open);
  async_open_ws(ws_, resolver_, target_,
                {.user_agent = "parley-load",
                 .subprotocol = "",
                 .text = false,
                 .max_read_bytes = max_read_bytes,
                 .source = source_},
                [self = shared_from_this()](beast::error_code ec, std::string what) {
                  self->on_open(ec, what);
                });
}

void ws_client::on_open(beast::error_code ec, const std::string& what) {
  if (ec) return fail(ec, what);
  if (closing_) return on_close({});
  open_ = true;
  do_read();
  if (auto h = std::exchange(on_open_, nullptr)) h();
}

// -- read -----------------------------------------------------------------------

void ws_client::do_read() {
  ws_.async_read(read_buffer_,
                 beast::bind_front_handler(&ws_client::on_read, shared_from_this()));
}

void ws_client::on_read(beast::error_code ec, std::size_t) {
  const auto received = clock::now();
  if (ec) return fail(ec, "read");
  if (!ws_.got_binary()) return fail("server sent a text frame");
  auto data = read_buffer_.cdata();
  dispatch({static_cast<const char*>(data.data()), data.size()}, received);
  read_buffer_.consume(read_buffer_.size());
  if (!failed_) do_read();
}

void ws_client::dispatch(std::string_view bytes, clock::time_point received) {
  auto decoded = protocol::decode_request(bytes);
  if (!decoded.req) return fail("undecodable frame from server: " + decoded.error);
  const auto& frame = *decoded.req;
  if (frame.op() != "reply") { // a push: not an answer to anything we sent
    if (on_push_) on_push_(frame, received);
    return;
  }
  auto rid = frame.rid();
  if (!rid) {
    return fail("reply without a usable rid: " + std::string{str_field(frame, "code")} +
                ": " + std::string{str_field(frame, "message")});
  }
  auto it = pending_.find(*rid);
  if (it == pending_.end()) return fail("reply to unknown rid " + std::to_string(*rid));
  auto handler = std::move(it->second);
  pending_.erase(it);
  auto ok = frame.find("ok");
  reply r{.ok = ok && ok->type == msgpack::type::BOOLEAN && ok->via.boolean,
          .code = str_field(frame, "code"),
          .message = str_field(frame, "message"),
          .frame = frame,
          .received = received};
  if (!r.ok && r.code.empty()) r.code = "(no code)";
  handler(r);
}

// -- write ----------------------------------------------------------------------

void ws_client::request(std::string_view op, const protocol::map_builder& fields,
                        reply_handler on_reply) {
  if (failed_ || closing_ || !open_) return;
  if (write_queue_.size() >= max_queued_frames) {
    return fail("more than " + std::to_string(max_queued_frames) +
                " frames queued for writing: the server is not reading (saturated)");
  }
  const std::uint64_t rid = next_rid_++;
  protocol::map_builder frame;
  frame.str("op", op).uint("rid", rid).merge(fields);
  pending_.emplace(rid, std::move(on_reply));
  write_queue_.push_back(frame.finish());
  if (write_queue_.size() == 1) do_write();
}

void ws_client::do_write() {
  ws_.async_write(asio::buffer(write_queue_.front()),
                  beast::bind_front_handler(&ws_client::on_write, shared_from_this()));
}

void ws_client::on_write(beast::error_code ec, std::size_t) {
  if (ec) {
    if (closing_) return on_close(ec);
    return fail(ec, "write");
  }
  write_queue_.pop_front();
  if (!write_queue_.empty()) return do_write();
  if (closing_) do_close();
}

// -- close ----------------------------------------------------------------------

void ws_client::close(done_handler on_closed) {
  if (closing_) return;
  closing_ = true;
  on_closed_ = std::move(on_closed);
  if (failed_ || !open_) return on_close({});
  if (write_queue_.empty()) do_close();
}

void ws_client::do_close() {
  ws_.async_close(websocket::close_code::normal,
                  beast::bind_front_handler(&ws_client::on_close, shared_from_this()));
}

void ws_client::on_close(beast::error_code) {
  if (auto h = std::exchange(on_closed_, nullptr)) h();
}

// -- errors ---------------------------------------------------------------------

void ws_client::fail(beast::error_code ec, std::string_view what) {
  fail(describe_ws_error(ws_, ec, what));
}

void ws_client::fail(const std::string& what) {
  if (closing_ || failed_) return;
  failed_ = true;
  beast::get_lowest_layer(ws_).close(); // cancels whatever is pending
  if (on_fail_) on_fail_(name_ + ": " + what);
}

} // namespace parley::bench

#include "net/ws_session.hpp"

#include <array>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "actors/session/session.hpp"
#include "net/connection_set.hpp"
#include "net/fail.hpp"
#include "net/shard_outbox.hpp"
#include "net/ws_frame.hpp"

namespace parley::net {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;

namespace {

/// The actors' view of this connection: every call hops onto its io shard (frames
/// through the shard's outbox). Holds the connection weakly, so a closed
/// connection is simply gone.
class ws_outbound final : public outbound {
public:
  explicit ws_outbound(std::weak_ptr<ws_session> s) : s_(std::move(s)) {}

  void send(frame f) override {
    if (auto s = s_.lock()) {
      auto box = s->outbox();
      box->push(std::move(s), std::move(f));
    }
  }

  void close(std::uint16_t code, std::string reason) override {
    if (auto s = s_.lock()) s->post_close(code, std::move(reason));
  }

private:
  std::weak_ptr<ws_session> s_;
};

constexpr std::uint16_t close_invalid_payload = 1007;
constexpr std::uint16_t close_policy = 1008;

} // namespace

ws_session::ws_session(tcp_stream&& stream, std::shared_ptr<net_context> ctx,
                       std::shared_ptr<connection_set> connections,
                       std::shared_ptr<shard_outbox> outbox)
    : ws_(std::move(stream)), ctx_(std::move(ctx)), connections_(std::move(connections)),
      outbox_(std::move(outbox)) {}

ws_session::~ws_session() {
  if (id_) connections_->remove(id_);
}

void ws_session::run(beast::http::request<beast::http::string_body> req) {
  beast::get_lowest_layer(ws_).expires_never(); // the websocket's own timeouts rule now
  websocket::stream_base::timeout t;
  t.handshake_timeout = std::chrono::seconds{30};
  t.idle_timeout = ctx_->config.idle_timeout;
  t.keep_alive_pings = true;
  ws_.set_option(t);
  ws_.read_message_max(ctx_->config.max_frame);
  ws_.binary(true);
  ws_.auto_fragment(false);
  // Pongs and the close frame count against the same bound as data frames.
  ws_.next_layer().set_write_limit(ctx_->config.max_outbound_bytes);
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::server, "parley");
  }));
  ws_.async_accept(req,
                   beast::bind_front_handler(&ws_session::on_accept, shared_from_this()));
}

void ws_session::on_accept(beast::error_code ec) {
  if (ec) return fail(ec, "websocket accept");
  id_ = connections_->add(weak_from_this());
  auto& stats = *ctx_->svc.stats;
  stats.connections_open.fetch_add(1, std::memory_order_relaxed);
  stats.connections_total.fetch_add(1, std::memory_order_relaxed);
  actor_ = ctx_->system->spawn(session, ctx_->svc,
                               std::make_shared<ws_outbound>(weak_from_this()));
  do_read();
}

void ws_session::do_read() {
  ws_.async_read(buffer_,
                 beast::bind_front_handler(&ws_session::on_read, shared_from_this()));
}

void ws_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    // Oversized (Beast already sent 1009) and invalid UTF-8 in text (1007) land
    // here too, and so does a pong that would pass the outbound bound (a client
    // that pings and does not read): either way this connection is over.
    if (ws_.next_layer().overflowed())
      ctx_->svc.stats->slow_consumer_closes.fetch_add(1, std::memory_order_relaxed);
    else
      fail(ec, "websocket read");
    return finish();
  }
  if (ws_.got_text()) {
    buffer_.clear();
    start_close(close_invalid_payload,
                "text frames are not accepted; send binary MessagePack");
    return do_read(); // completes when the peer answers the close
  }
  // The frame's bytes move to the session actor; the buffer starts again small
  // (frame_read_buffer.hpp).
  if (!reading_stopped_ && !close_pending_)
    caf::anon_send(actor_, frame_atom_v, buffer_.take());
  else
    buffer_.clear();
  do_read();
}

bool ws_session::accept(const frame& f) {
  enqueue(f);
  if (flush_due_) return false;
  flush_due_ = true;
  return true;
}

void ws_session::flush() {
  flush_due_ = false;
  if (!finished_) ws_.next_layer().flush();
}

void ws_session::post_close(std::uint16_t code, std::string reason) {
  asio::post(ws_.get_executor(),
             [self = shared_from_this(), code, reason = std::move(reason)]() mutable {
               self->start_close(code, std::move(reason));
             });
}

void ws_session::post_stop_reading() {
  asio::post(ws_.get_executor(),
             [self = shared_from_this()] { self->reading_stopped_ = true; });
}

void ws_session::post_abort() {
  asio::post(ws_.get_executor(), [self = shared_from_this()] { self->finish(); });
}

void ws_session::notify_shutdown() {
  if (actor_) caf::anon_send(actor_, shutdown_atom_v);
}

void ws_session::enqueue(const frame& f) {
  auto& out = ws_.next_layer();
  // Our flags say whether we started a close; the stream says whether a Close
  // frame left at all, Beast's answer to the peer's close included (Beast then
  // waits in our teardown while pushes keep arriving): nothing may follow it.
  if (close_pending_ || finished_ || out.close_sent()) return;
  // One frame is always accepted when nothing is waiting (a reply page may be
  // larger than a small bound); beyond that the bound holds.
  auto waiting = out.buffered_bytes();
  if (waiting > 0 && waiting + f.size() > ctx_->config.max_outbound_bytes) {
    // The client does not read fast enough. Cutting it keeps every other
    // subscriber (and the conversation actors) unaffected; it resyncs with
    // conv.open {since} when it comes back.
    ctx_->svc.stats->slow_consumer_closes.fetch_add(1, std::memory_order_relaxed);
    // Drop what is not yet on the wire: the close must not wait for it.
    out.discard_pending();
    return start_close(close_policy, "slow consumer");
  }
  // Data frames are framed here rather than by Beast's write operation, which
  // allows one frame in flight and so one socket write per frame. Beast's own
  // control frames pass through the same buffer, each whole and in order.
  auto bytes = f.view();
  auto header = binary_frame_header(bytes.size());
  std::array<asio::const_buffer, 2> parts{asio::buffer(header.bytes.data(), header.size),
                                          asio::buffer(bytes.data(), bytes.size())};
  out.append(parts);
}

void ws_session::start_close(std::uint16_t code, std::string reason) {
  // A Close frame already left (Beast answered the peer's): the handshake is under
  // way and the pending read finishes the connection.
  if (close_pending_ || finished_ || ws_.next_layer().close_sent()) return;
  close_pending_ = true;
  // Close reasons are limited to 123 bytes by RFC 6455.
  if (reason.size() > 120) reason.resize(120);
  close_reason_ =
      websocket::close_reason{static_cast<websocket::close_code>(code), reason};
  do_close(); // the close frame goes out behind every frame already accepted
}

void ws_session::do_close() {
  if (close_sent_) return;
  close_sent_ = true;
  ws_.async_close(close_reason_,
                  beast::bind_front_handler(&ws_session::on_close, shared_from_this()));
}

void ws_session::on_close(beast::error_code ec) {
  // The pending read completes with `closed` and calls finish(). A close that
  // could not be written (the socket failed, or the outbound bound refused it)
  // ends the connection here: no close handshake will follow.
  if (ec) {
    if (!ws_.next_layer().overflowed()) fail(ec, "websocket close");
    finish();
  }
}

void ws_session::finish() {
  if (finished_) return;
  finished_ = true;
  if (actor_) {
    caf::anon_send(actor_, disconnect_atom_v);
    ctx_->svc.stats->connections_open.fetch_sub(1, std::memory_order_relaxed);
  }
  if (id_) {
    connections_->remove(id_);
    id_ = 0;
  }
  ws_.next_layer().discard_pending();
  beast::error_code ignored;
  beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both,
                                                 ignored);
  beast::get_lowest_layer(ws_).socket().close(ignored);
}

} // namespace parley::net

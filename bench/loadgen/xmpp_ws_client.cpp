#include "bench/loadgen/xmpp_ws_client.hpp"

#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>

#include "bench/loadgen/xml_lite.hpp"

namespace parley::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr std::string_view bind_id = "bind1";
constexpr std::string_view session_id = "sess1";

/// The first bytes of a frame, for error messages.
std::string excerpt(std::string_view frame) {
  constexpr std::size_t max = 300;
  return std::string{frame.substr(0, max)} + (frame.size() > max ? "..." : "");
}

/// Whether a MUC presence carries status code `code` (either quote style).
bool has_status(std::string_view frame, std::string_view code) {
  const std::string a = "code='" + std::string{code} + "'";
  const std::string b = "code=\"" + std::string{code} + "\"";
  return frame.find(a) != std::string_view::npos ||
         frame.find(b) != std::string_view::npos;
}

} // namespace

xmpp_ws_client::xmpp_ws_client(asio::io_context& ioc, ws_target target,
                               std::string domain, std::string name, fail_handler on_fail)
    : target_(std::move(target)), domain_(std::move(domain)), name_(std::move(name)),
      on_fail_(std::move(on_fail)), resolver_(ioc), ws_(ioc) {}

// -- connect and log in -----------------------------------------------------------

void xmpp_ws_client::connect(done_handler on_ready) {
  on_ready_ = std::move(on_ready);
  // RFC 7395 §3.1: the `xmpp` subprotocol, text frames.
  async_open_ws(ws_, resolver_, target_,
                {.user_agent = "parley-xmpp-fanout",
                 .subprotocol = "xmpp",
                 .text = true,
                 .max_read_bytes = max_read_bytes,
                 .source = source_},
                [self = shared_from_this()](beast::error_code ec, std::string what) {
                  self->on_open(ec, what);
                });
}

void xmpp_ws_client::on_open(beast::error_code ec, const std::string& what) {
  if (ec) return fail(ec, what);
  if (closing_) return on_close({});
  open_ = true;
  phase_ = phase::features;
  do_read();
  send_open();
}

void xmpp_ws_client::send_open() {
  write("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='" + xml::escape(domain_) +
        "' version='1.0'/>");
}

// -- join and send ------------------------------------------------------------------

void xmpp_ws_client::join(std::string room_jid, std::string nick,
                          done_handler on_joined) {
  if (failed_ || closing_) return;
  if (phase_ != phase::ready) return fail("join before the login finished");
  room_jid_ = std::move(room_jid);
  occupant_jid_ = room_jid_ + "/" + nick;
  message_prefix_ =
      "<message to='" + xml::escape(room_jid_) + "' type='groupchat'><body>";
  on_joined_ = std::move(on_joined);
  phase_ = phase::joining;
  // maxstanzas 0: no history replay (the room keeps none anyway: history_size 0).
  write("<presence to='" + xml::escape(occupant_jid_) +
        "'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x>"
        "</presence>");
}

void xmpp_ws_client::send_groupchat(std::string_view body) {
  if (failed_ || closing_ || phase_ != phase::joined) return;
  std::string frame;
  frame.reserve(message_prefix_.size() + body.size() + 17);
  frame.append(message_prefix_).append(body).append("</body></message>");
  write(std::move(frame));
}

// -- read ---------------------------------------------------------------------------

void xmpp_ws_client::do_read() {
  ws_.async_read(read_buffer_,
                 beast::bind_front_handler(&xmpp_ws_client::on_read, shared_from_this()));
}

void xmpp_ws_client::on_read(beast::error_code ec, std::size_t) {
  const auto received = clock::now();
  if (ec) return fail(ec, "read");
  auto data = read_buffer_.cdata();
  dispatch({static_cast<const char*>(data.data()), data.size()}, received);
  read_buffer_.consume(read_buffer_.size());
  if (!failed_) do_read();
}

void xmpp_ws_client::dispatch(std::string_view frame, clock::time_point received) {
  const auto name = xml::element_name(frame);
  if (name == "close" || name == "stream:error" || name == "error") {
    if (closing_) return;
    return fail("server ended the stream: " + excerpt(frame));
  }
  switch (phase_) {
  case phase::connecting:
    return;
  case phase::features:
    if (name == "open") return;
    if (name != "stream:features" && name != "features")
      return fail("expected stream features, got " + excerpt(frame));
    if (frame.find(">ANONYMOUS<") == std::string_view::npos)
      return fail("the server offers no SASL ANONYMOUS: " + excerpt(frame));
    phase_ = phase::authenticating;
    return write(
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>");
  case phase::authenticating:
    if (name != "success") return fail("SASL ANONYMOUS refused: " + excerpt(frame));
    phase_ = phase::bound_features;
    return send_open(); // RFC 6120 §6.4.6: a fresh stream after SASL
  case phase::bound_features:
    if (name == "open") return;
    if (name != "stream:features" && name != "features")
      return fail("expected stream features after SASL, got " + excerpt(frame));
    phase_ = phase::binding;
    return write("<iq type='set' id='" + std::string{bind_id} +
                 "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  case phase::binding:
    if (name != "iq" || xml::attribute(frame, "id") != bind_id) return;
    if (xml::attribute(frame, "type") != "result")
      return fail("resource bind refused: " + excerpt(frame));
    // RFC 6121 dropped the session step; ejabberd marks it optional. Establishing one
    // is harmless where it is required.
    phase_ = phase::session;
    return write("<iq type='set' id='" + std::string{session_id} +
                 "'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
  case phase::session:
    if (name != "iq" || xml::attribute(frame, "id") != session_id) return;
    if (xml::attribute(frame, "type") != "result")
      return fail("session refused: " + excerpt(frame));
    phase_ = phase::ready;
    if (auto h = std::exchange(on_ready_, nullptr)) h();
    return;
  case phase::ready:
    return; // nothing expected before the join
  case phase::joining:
    if (name != "presence") return; // room presence, the subject: not ours yet
    if (xml::attribute(frame, "type") == "error")
      return fail("joining " + occupant_jid_ + " refused: " + excerpt(frame));
    if (xml::attribute(frame, "from") == occupant_jid_ && has_status(frame, "110")) {
      phase_ = phase::joined;
      if (auto h = std::exchange(on_joined_, nullptr)) h();
    }
    return;
  case phase::joined:
    return on_stanza_joined(name, frame, received);
  }
}

void xmpp_ws_client::on_stanza_joined(std::string_view name, std::string_view frame,
                                      clock::time_point received) {
  if (name == "message") {
    const auto type = xml::attribute(frame, "type");
    if (type == "error") return fail("message refused: " + excerpt(frame));
    const auto body = xml::child_text(frame, "body");
    if (type == "groupchat" && !body.empty()) {
      if (on_message_) on_message_(body, received);
      return;
    }
  }
  if (on_other_) on_other_();
}

// -- write --------------------------------------------------------------------------

void xmpp_ws_client::write(std::string frame) {
  if (failed_ || !open_) return;
  if (write_queue_.size() >= max_queued_frames) {
    return fail("more than " + std::to_string(max_queued_frames) +
                " frames queued for writing: the server is not reading (saturated)");
  }
  write_queue_.push_back(std::move(frame));
  if (write_queue_.size() == 1) do_write();
}

void xmpp_ws_client::do_write() {
  ws_.async_write(
      asio::buffer(write_queue_.front()),
      beast::bind_front_handler(&xmpp_ws_client::on_write, shared_from_this()));
}

void xmpp_ws_client::on_write(beast::error_code ec, std::size_t) {
  if (ec) {
    if (closing_) return on_close(ec);
    return fail(ec, "write");
  }
  write_queue_.pop_front();
  if (!write_queue_.empty()) return do_write();
  if (closing_) do_close();
}

// -- close --------------------------------------------------------------------------

void xmpp_ws_client::close(done_handler on_closed) {
  if (closing_) return;
  on_closed_ = std::move(on_closed);
  if (failed_ || !open_) {
    closing_ = true;
    return on_close({});
  }
  // RFC 7395 §3.6: the client closes the stream first, then the WebSocket.
  write("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
  closing_ = true;
}

void xmpp_ws_client::do_close() {
  ws_.async_close(
      websocket::close_code::normal,
      beast::bind_front_handler(&xmpp_ws_client::on_close, shared_from_this()));
}

void xmpp_ws_client::on_close(beast::error_code) {
  if (auto h = std::exchange(on_closed_, nullptr)) h();
}

// -- errors -------------------------------------------------------------------------

void xmpp_ws_client::fail(beast::error_code ec, std::string_view what) {
  fail(describe_ws_error(ws_, ec, what));
}

void xmpp_ws_client::fail(const std::string& what) {
  if (closing_ || failed_) return;
  failed_ = true;
  beast::get_lowest_layer(ws_).close();
  if (on_fail_) on_fail_(name_ + ": " + what);
}

} // namespace parley::bench

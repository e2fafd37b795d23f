#include "bench/loadgen/nats_ws_client.hpp"

#include <charconv>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/websocket.hpp>

namespace parley::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

// verbose off: no +OK per PUB. echo on (the default, said out loud): the publisher
// is a room member and is subscribed too, so it gets its own message, as every
// member of a parley conversation gets the `message` push, the author included.
constexpr std::string_view connect_line =
    R"(CONNECT {"verbose":false,"pedantic":false,"echo":true,"lang":"cpp",)"
    R"("version":"0","protocol":1,"headers":false,"name":"parley-nats-fanout"})"
    "\r\n";

} // namespace

nats_ws_client::nats_ws_client(asio::io_context& ioc, ws_target target, std::string name,
                               fail_handler on_fail)
    : target_(std::move(target)), name_(std::move(name)), on_fail_(std::move(on_fail)),
      resolver_(ioc), ws_(ioc) {}

// -- connect --------------------------------------------------------------------

void nats_ws_client::connect(std::string subject, done_handler on_ready) {
  subject_ = std::move(subject);
  on_ready_ = std::move(on_ready);
  async_open_ws(ws_, resolver_, target_,
                {.user_agent = "parley-nats-fanout",
                 .subprotocol = "",
                 .text = false,
                 .max_read_bytes = max_read_bytes,
                 .source = source_},
                [self = shared_from_this()](beast::error_code ec, std::string what) {
                  self->on_open(ec, what);
                });
}

void nats_ws_client::on_open(beast::error_code ec, const std::string& what) {
  if (ec) return fail(ec, what);
  if (closing_) return on_close({});
  open_ = true;
  do_read();
  // The server's INFO comes first, but nothing in it is needed: CONNECT may follow
  // at once. The PONG to this PING comes after the SUB is in place.
  std::string hello{connect_line};
  hello.append("SUB ").append(subject_).append(" 1\r\nPING\r\n");
  queue(hello);
}

// -- read -----------------------------------------------------------------------

void nats_ws_client::do_read() {
  ws_.async_read(read_buffer_,
                 beast::bind_front_handler(&nats_ws_client::on_read, shared_from_this()));
}

void nats_ws_client::on_read(beast::error_code ec, std::size_t) {
  const auto received = clock::now();
  if (ec) return fail(ec, "read");
  auto data = read_buffer_.cdata();
  in_.append(static_cast<const char*>(data.data()), data.size());
  read_buffer_.consume(read_buffer_.size());
  parse(received);
  if (!failed_) do_read();
}

// Parses every complete protocol line (and MSG payload) in in_; a partial one stays
// for the next frame.
void nats_ws_client::parse(clock::time_point received) {
  std::size_t pos = 0;
  while (!failed_) {
    const auto eol = in_.find("\r\n", pos);
    if (eol == std::string::npos) break;
    const std::string_view line{in_.data() + pos, eol - pos};
    if (line.starts_with("MSG ")) {
      // MSG <subject> <sid> [reply-to] <#bytes>: the subject is the first field, the
      // size the last.
      const auto args = line.substr(4);
      const auto subject = args.substr(0, args.find(' '));
      const auto last = args.rfind(' ');
      std::size_t size = 0;
      const auto digits =
          last == std::string_view::npos ? std::string_view{} : args.substr(last + 1);
      const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), size);
      if (digits.empty() || r.ec != std::errc{} || r.ptr != digits.data() + digits.size())
        return fail("bad MSG line from server: " + std::string{line});
      if (in_.size() < eol + 2 + size + 2) break; // the payload is not all here yet
      const std::string_view payload{in_.data() + eol + 2, size};
      if (on_msg_) on_msg_(subject, payload, received);
      pos = eol + 2 + size + 2;
      continue;
    }
    if (line == "PING") {
      queue("PONG\r\n");
    } else if (line == "PONG") {
      if (!ready_) {
        ready_ = true;
        if (auto h = std::exchange(on_ready_, nullptr)) h();
      }
    } else if (line.starts_with("-ERR")) {
      return fail("server error: " + std::string{line});
    } // INFO and +OK need nothing
    pos = eol + 2;
  }
  in_.erase(0, pos);
}

// -- write ----------------------------------------------------------------------

void nats_ws_client::publish(std::string_view subject, std::string_view payload,
                             bool mark) {
  if (failed_ || closing_ || !open_) return;
  char size[24];
  const auto r = std::to_chars(size, size + sizeof size, payload.size());
  std::string f;
  f.reserve(subject.size() + payload.size() + 32);
  f.append("PUB ").append(subject).append(" ");
  f.append(size, r.ptr).append("\r\n").append(payload).append("\r\n");
  ++out_pubs_;
  if (mark) ++out_marked_;
  queue(f);
}

void nats_ws_client::queue(std::string_view bytes) {
  if (failed_ || close_sent_) return;
  if (out_.size() + bytes.size() > max_queued_bytes)
    return fail("more than " + std::to_string(max_queued_bytes) +
                " bytes queued for writing: the server is not reading (saturated)");
  out_.append(bytes);
  if (!writing_busy_) do_write();
}

void nats_ws_client::do_write() {
  if (out_.empty()) {
    if (closing_) do_close();
    return;
  }
  writing_busy_ = true;
  writing_.swap(out_);
  out_.clear();
  writing_pubs_ = std::exchange(out_pubs_, 0);
  writing_marked_ = std::exchange(out_marked_, 0);
  ws_.async_write(
      asio::buffer(writing_),
      beast::bind_front_handler(&nats_ws_client::on_write, shared_from_this()));
}

void nats_ws_client::on_write(beast::error_code ec, std::size_t) {
  writing_busy_ = false;
  if (ec) {
    if (closing_) return on_close(ec);
    return fail(ec, "write");
  }
  writing_.clear();
  if (writing_pubs_ > 0 && on_flushed_) on_flushed_(writing_pubs_, writing_marked_);
  writing_pubs_ = writing_marked_ = 0;
  do_write();
}

// -- close ----------------------------------------------------------------------

void nats_ws_client::close(done_handler on_closed) {
  if (closing_) return;
  closing_ = true;
  on_closed_ = std::move(on_closed);
  if (failed_ || !open_) return on_close({});
  if (!writing_busy_) do_write(); // writes what is queued, then closes
}

void nats_ws_client::do_close() {
  close_sent_ = true;
  ws_.async_close(
      websocket::close_code::normal,
      beast::bind_front_handler(&nats_ws_client::on_close, shared_from_this()));
}

void nats_ws_client::on_close(beast::error_code) {
  if (auto h = std::exchange(on_closed_, nullptr)) h();
}

// -- errors ---------------------------------------------------------------------

void nats_ws_client::fail(beast::error_code ec, std::string_view what) {
  fail(describe_ws_error(ws_, ec, what));
}

void nats_ws_client::fail(const std::string& what) {
  if (closing_ || failed_) return;
  failed_ = true;
  beast::get_lowest_layer(ws_).close(); // cancels whatever is pending
  if (on_fail_) on_fail_(name_ + ": " + what);
}

} // namespace parley::bench

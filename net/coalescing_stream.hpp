#pragma once

#include <cerrno>
#include <cstddef>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <sys/socket.h>

namespace parley::net {

/// A stream layer beneath the WebSocket that gathers writes. Beast's own writes
/// (control frames: pong, ping, close) and the owner's data frames (`append`) are
/// copied, whole, into one pending buffer in the order they come; the owner
/// starts the socket write once it has appended a burst (`flush`), and Beast's
/// own writes start it on a later turn of the connection's thread, so every frame
/// queued for the client in the meantime (a burst of replies after one group
/// commit, a fan-out) leaves in one `sendmsg` instead of one each. The profile of the
/// durability bench put three quarters of the Asio thread's time in per-frame `sendmsg`.
///
/// Only the connection's io shard thread touches it. Its socket and buffers live in a
/// shared core that the pending operations keep alive, so the owner may go away at any
/// time. `buffered_bytes()` counts what is accepted but not yet on the wire; the owner
/// bounds its own frames by it, and `set_write_limit` bounds Beast's.
///
/// Nothing follows a Close frame (RFC 6455 §5.5.1: after sending a Close frame an
/// endpoint sends no more data). Whoever starts the close handshake, Beast writes the
/// Close frame through `async_write_some`; from then on `append` drops the owner's
/// frames and `close_sent()` is true. When the peer closes first, Beast writes its
/// reply and then waits in `async_teardown` until it has left: a push appended in that
/// window would otherwise leave behind the Close frame.
template <class NextLayer>
class coalescing_stream {
public:
  using next_layer_type = NextLayer;
  using executor_type = typename NextLayer::executor_type;

  explicit coalescing_stream(NextLayer&& next)
      : core_(std::make_shared<core>(std::move(next))) {}

  next_layer_type& next_layer() { return core_->next; }
  const next_layer_type& next_layer() const { return core_->next; }
  executor_type get_executor() { return core_->next.get_executor(); }

  /// Bytes accepted from writes and not yet handed to the socket completely.
  std::size_t buffered_bytes() const {
    return core_->pending.size() + core_->inflight.size();
  }

  /// Bounds what Beast's own writes (pongs, keep-alive pings, close) may add. A
  /// write that would take the buffered bytes past `limit` while an earlier
  /// write still waits fails with `no_buffer_space`; that fails Beast's
  /// operation (a read answering a ping), which ends the connection. Without it
  /// a client that sends pings and never reads grows the buffer without bound.
  void set_write_limit(std::size_t limit) { core_->limit = limit; }

  /// True once a write was refused by the limit.
  bool overflowed() const { return core_->overflowed; }

  /// True once a Close frame was accepted: nothing more is written.
  bool close_sent() const { return core_->close_sent; }

  /// Drops what is accepted but not yet being written (whole frames only: every
  /// write lands in one piece). For a connection being cut.
  void discard_pending() { release(core_->pending); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return core_->next.async_read_some(buffers, std::forward<Token>(token));
  }

  /// Appends one complete frame's bytes (the owner's own data frames) behind
  /// whatever is already accepted; they leave with the next socket write, which
  /// the owner starts with `flush` once it has appended what goes together.
  template <class ConstBuffers>
  void append(const ConstBuffers& buffers) {
    auto n = boost::asio::buffer_size(buffers);
    if (core_->error || core_->close_sent || n == 0) return;
    if (core_->pending.capacity() == 0) acquire(core_->pending);
    auto old = core_->pending.size();
    core_->pending.resize(old + n);
    boost::asio::buffer_copy(boost::asio::buffer(core_->pending.data() + old, n),
                             buffers);
  }

  /// Starts the socket write of everything accepted, now, unless one is in flight
  /// or scheduled (that one takes it). No extra turn of the thread: the owner
  /// calls it after gathering a burst.
  void flush() {
    if (core_->flush_scheduled || !core_->inflight.empty()) return;
    start_write(core_);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token,
                                       void(boost::beast::error_code, std::size_t)>(
        [c = core_](auto handler, const ConstBuffers& b) {
          auto ec = c->error;
          std::size_t n = boost::asio::buffer_size(b);
          if (!ec && c->close_sent) ec = boost::asio::error::shut_down;
          if (!ec && !c->pending.empty() &&
              c->pending.size() + c->inflight.size() + n > c->limit) {
            c->overflowed = true;
            ec = boost::asio::error::no_buffer_space;
          }
          if (ec) {
            n = 0;
          } else {
            if (c->pending.capacity() == 0) acquire(c->pending);
            auto old = c->pending.size();
            c->pending.resize(old + n);
            boost::asio::buffer_copy(boost::asio::buffer(c->pending.data() + old, n), b);
            if (n > 0 && static_cast<unsigned char>(c->pending[old]) == close_frame_byte)
              c->close_sent = true;
            schedule_flush(c);
          }
          boost::asio::post(c->next.get_executor(),
                            boost::beast::bind_front_handler(std::move(handler), ec, n));
        },
        token, buffers);
  }

  /// Calls `done` once everything accepted so far is on the wire (or failed).
  template <class Handler>
  void async_wait_flushed(Handler&& done) {
    auto c = core_;
    auto h = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(done));
    auto call = [c, h] { boost::asio::post(c->next.get_executor(), std::move(*h)); };
    if (c->pending.empty() && c->inflight.empty())
      call();
    else
      c->flushed_waiters.push_back(std::move(call));
  }

private:
  /// The first byte of a Close frame: FIN, no RSV bits, opcode 8. Beast writes
  /// through this layer only the handshake response (HTTP: ASCII, every byte below
  /// 0x80) and whole control frames, each in one call (Beast hands net::async_write
  /// one buffer and this layer takes all of it at once), so a write that starts with
  /// this byte is a Close frame.
  static constexpr unsigned char close_frame_byte = 0x88;

  struct core {
    explicit core(NextLayer&& n) : next(std::move(n)) {}
    NextLayer next;
    std::vector<char> pending;  // accepted, waiting for the next socket write
    std::vector<char> inflight; // being written now
    bool flush_scheduled = false;
    std::size_t limit = static_cast<std::size_t>(-1); // for Beast's own writes
    bool overflowed = false;
    bool close_sent = false;        // a Close frame was accepted: nothing follows it
    boost::beast::error_code error; // the first failed socket write
    std::vector<std::function<void()>> flushed_waiters;
  };

  static void schedule_flush(const std::shared_ptr<core>& c) {
    if (c->flush_scheduled || !c->inflight.empty()) return; // on_written starts it
    c->flush_scheduled = true;
    // A later turn of the thread: the frames posted behind this one join it.
    boost::asio::post(c->next.get_executor(), [c] {
      c->flush_scheduled = false;
      start_write(c);
    });
  }

  static void start_write(const std::shared_ptr<core>& c) {
    if (!c->inflight.empty()) return;
    if (c->pending.empty() || c->error) return notify_flushed(c);
    std::swap(c->pending, c->inflight);
    std::size_t sent = 0;
    if constexpr (has_socket) {
      // Most writes fit in the socket's send buffer: one send now, on this thread,
      // costs the same syscall as the speculative send of an async write but none
      // of its operation, reactor registration and completion turn (about a tenth
      // of parleyd's instructions per fan-out delivery, bench/RESULTS.md "Round 8").
      // What does not fit goes the asynchronous way. Nothing else writes to the
      // socket meanwhile: every write passes through here, one at a time.
      boost::beast::error_code ec;
      sent = send_now(c->next.socket(), c->inflight, ec);
      if (ec || sent == c->inflight.size()) return written(c, ec);
    }
    boost::asio::async_write(
        c->next,
        boost::asio::buffer(c->inflight.data() + sent, c->inflight.size() - sent),
        [c](boost::beast::error_code ec, std::size_t) { written(c, ec); });
  }

  /// A socket write ended (all of inflight is on the wire, or it failed).
  static void written(const std::shared_ptr<core>& c, boost::beast::error_code ec) {
    // Busy: keep the buffer for the next write. Idle: free it (see release).
    if (c->pending.empty())
      release(c->inflight);
    else
      c->inflight.clear();
    if (ec) {
      c->error = ec;
      c->pending.clear();
    }
    start_write(c);
  }

  /// Whether the next layer is a socket stream (beast::basic_stream) rather than a
  /// test stream: only a socket is written to directly.
  static constexpr bool has_socket = requires(NextLayer & n) {
    n.socket().native_handle();
  };

  /// One non-blocking send of `bytes` (never SIGPIPE): the bytes sent, 0 with no
  /// error when the socket's buffer is full, 0 and `ec` when the socket failed.
  template <class Socket>
  static std::size_t send_now(Socket& socket, const std::vector<char>& bytes,
                              boost::beast::error_code& ec) {
    if (!socket.is_open()) {
      ec = boost::asio::error::bad_descriptor;
      return 0;
    }
    for (;;) {
      auto n = ::send(socket.native_handle(), bytes.data(), bytes.size(),
                      MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      ec.assign(errno, boost::system::system_category());
      return 0;
    }
  }

  /// An idle connection keeps no write buffer: most connections are idle most of
  /// the time, and even a reply's few hundred bytes add up over 100k of them
  /// (bench/RESULTS.md, "Hot path": bytes per idle connection). A busy one
  /// reuses its buffers while writes follow each other, and an idle one's buffer
  /// goes to a small pool of its thread (a connection stays on its io shard's
  /// thread), which the next connection to write takes it from: no allocation per
  /// write in a fan-out.
  static constexpr std::size_t pooled_buffers = 256;
  static constexpr std::size_t pooled_capacity = 64 * 1024; // larger ones are freed

  static std::vector<std::vector<char>>& pool() {
    thread_local std::vector<std::vector<char>> buffers;
    return buffers;
  }

  static void acquire(std::vector<char>& buffer) {
    auto& p = pool();
    if (p.empty()) return;
    buffer.swap(p.back());
    p.pop_back();
  }

  static void release(std::vector<char>& buffer) {
    buffer.clear();
    auto& p = pool();
    if (buffer.capacity() > 0 && buffer.capacity() <= pooled_capacity &&
        p.size() < pooled_buffers) {
      p.emplace_back().swap(buffer);
      return;
    }
    std::vector<char>{}.swap(buffer);
  }

  static void notify_flushed(const std::shared_ptr<core>& c) {
    auto waiters = std::move(c->flushed_waiters);
    c->flushed_waiters.clear();
    for (auto& w : waiters)
      w();
  }

  std::shared_ptr<core> core_;
};

/// WebSocket teardown (after a close handshake) waits until the close frame and
/// everything before it has left, then shuts the socket down as Beast would.
template <class NextLayer, class TeardownHandler>
void async_teardown(boost::beast::role_type role, coalescing_stream<NextLayer>& stream,
                    TeardownHandler&& handler) {
  stream.async_wait_flushed([&next = stream.next_layer(), role,
                             h = std::forward<TeardownHandler>(handler)]() mutable {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, next, std::move(h));
  });
}

template <class NextLayer>
void teardown(boost::beast::role_type role, coalescing_stream<NextLayer>& stream,
              boost::beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, stream.next_layer(), ec);
}

} // namespace parley::net

// net/coalescing_stream under a real Beast WebSocket, on Beast's test stream: the
// server side is what ws_session runs (websocket::stream<coalescing_stream<...>>, data
// frames appended by hand, Beast's control frames written through the layer); the
// client is a raw test stream, so the test writes the client's frames byte by byte
// and reads exactly the bytes the server put on the wire.
#include "net/coalescing_stream.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include "net/ws_frame.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using parley::net::binary_frame_header;
using parley::net::coalescing_stream;

constexpr unsigned op_binary = 0x2, op_close = 0x8, op_ping = 0x9, op_pong = 0xA;

/// One frame as the server wrote it (servers never mask).
struct wire_frame {
  bool fin = false;
  unsigned rsv = 0;
  unsigned opcode = 0;
  std::string payload;

  /// The close code of a Close frame.
  unsigned close_code() const {
    if (payload.size() < 2) return 1005;
    return static_cast<unsigned>(static_cast<unsigned char>(payload[0])) << 8 |
           static_cast<unsigned char>(payload[1]);
  }
};

/// Splits the server's bytes into frames; `complete` is false when the bytes end
/// inside a frame.
std::vector<wire_frame> parse_frames(std::string_view bytes, bool& complete) {
  std::vector<wire_frame> out;
  complete = true;
  std::size_t i = 0;
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
  while (i < bytes.size()) {
    if (bytes.size() - i < 2) return complete = false, out;
    wire_frame f;
    f.fin = byte(i) & 0x80;
    f.rsv = (byte(i) >> 4) & 0x7;
    f.opcode = byte(i) & 0x0f;
    bool masked = byte(i + 1) & 0x80;
    EXPECT_FALSE(masked) << "a server frame is never masked";
    std::uint64_t len = byte(i + 1) & 0x7f;
    i += 2;
    std::size_t extra = len == 126 ? 2 : len == 127 ? 8 : 0;
    if (bytes.size() - i < extra) return complete = false, out;
    if (extra) {
      len = 0;
      for (std::size_t k = 0; k < extra; ++k)
        len = len << 8 | byte(i + k);
      i += extra;
    }
    if (bytes.size() - i < len) return complete = false, out;
    f.payload = std::string{bytes.substr(i, len)};
    i += len;
    out.push_back(std::move(f));
  }
  return out;
}

/// A client frame: masked, as RFC 6455 §5.3 requires of a client.
std::string client_frame(unsigned opcode, std::string_view payload, bool fin = true) {
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0) | opcode);
  const std::array<unsigned char, 4> key{0x37, 0xfa, 0x21, 0x3d};
  if (payload.size() < 126) {
    f += static_cast<char>(0x80 | payload.size());
  } else {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  }
  for (auto k : key)
    f += static_cast<char>(k);
  for (std::size_t i = 0; i < payload.size(); ++i)
    f += static_cast<char>(payload[i] ^ key[i % 4]);
  return f;
}

std::string close_payload(unsigned code, std::string_view reason = {}) {
  std::string p;
  p += static_cast<char>(code >> 8);
  p += static_cast<char>(code & 0xff);
  p += reason;
  return p;
}

std::string pattern(std::size_t n, char first) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>(first + i % 26);
  return s;
}

class CoalescingStream : public ::testing::Test {
protected:
  using server_stream = websocket::stream<coalescing_stream<beast::test::stream>>;

  CoalescingStream() {
    client.connect(wire());
    server.binary(true);
    server.auto_fragment(false);
    const std::string upgrade = "GET / HTTP/1.1\r\n"
                                "Host: localhost\r\n"
                                "Upgrade: websocket\r\n"
                                "Connection: Upgrade\r\n"
                                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                "Sec-WebSocket-Version: 13\r\n\r\n";
    asio::write(client, asio::buffer(upgrade));
    std::optional<beast::error_code> accepted;
    server.async_accept([&](beast::error_code ec) { accepted = ec; });
    settle();
    EXPECT_TRUE(accepted && !*accepted);
    // The 101 response, then nothing: frames start from here.
    auto response = std::string{client.str()};
    auto end = response.find("\r\n\r\n");
    EXPECT_NE(end, std::string::npos);
    EXPECT_EQ(response.substr(0, 12), "HTTP/1.1 101");
    handshake_bytes = end + 4;
    EXPECT_EQ(response.size(), handshake_bytes);
  }

  /// The server's socket, beneath the coalescing layer.
  beast::test::stream& wire() { return server.next_layer().next_layer(); }
  coalescing_stream<beast::test::stream>& layer() { return server.next_layer(); }

  /// Runs every handler that is ready; pending reads stay pending.
  void settle() {
    ioc.restart();
    while (ioc.poll() > 0)
      ioc.restart();
  }

  /// Runs handlers one at a time until `done` holds (at most `limit` of them).
  template <class Pred>
  bool step_until(Pred done, int limit = 10'000) {
    for (int i = 0; i < limit && !done(); ++i) {
      ioc.restart();
      if (ioc.poll_one() == 0) return done();
    }
    return done();
  }

  /// A data frame, framed like ws_session::enqueue does.
  void append(std::string_view payload) {
    auto header = binary_frame_header(payload.size());
    std::array<asio::const_buffer, 2> parts{
        asio::buffer(header.bytes.data(), header.size),
        asio::buffer(payload.data(), payload.size())};
    layer().append(parts);
  }

  void client_sends(const std::string& bytes) {
    asio::write(client, asio::buffer(bytes));
  }

  /// Keeps one read pending on the server, as ws_session does; its outcome lands
  /// in `read_result` (and the next read starts after each message).
  void keep_reading() {
    server.async_read(read_buffer, [this](beast::error_code ec, std::size_t) {
      read_result = ec;
      if (!ec) {
        messages.push_back(beast::buffers_to_string(read_buffer.data()));
        read_buffer.clear();
        keep_reading();
      }
    });
  }

  /// Every frame the server wrote so far (the test stream counts the bytes a stream
  /// writes on its peer: client.nwrite_bytes()).
  std::vector<wire_frame> frames() {
    bool complete = false;
    auto all = client.str();
    auto out = parse_frames(
        std::string_view{all.data(), all.size()}.substr(handshake_bytes), complete);
    EXPECT_TRUE(complete) << "the server's bytes end inside a frame";
    return out;
  }

  static std::vector<std::string> describe(const std::vector<wire_frame>& fs) {
    std::vector<std::string> out;
    for (const auto& f : fs) {
      switch (f.opcode) {
      case op_binary:
        out.push_back("data " + f.payload.substr(0, 8));
        break;
      case op_ping:
        out.push_back("ping " + f.payload);
        break;
      case op_pong:
        out.push_back("pong " + f.payload);
        break;
      case op_close:
        out.push_back("close " + std::to_string(f.close_code()));
        break;
      default:
        out.push_back("opcode " + std::to_string(f.opcode));
      }
    }
    return out;
  }

  using lines = std::vector<std::string>;

  asio::io_context ioc;
  beast::test::stream client{ioc};
  server_stream server{beast::test::stream{ioc}};
  std::size_t handshake_bytes = 0;
  beast::flat_buffer read_buffer;
  std::optional<beast::error_code> read_result;
  std::vector<std::string> messages;
};

TEST_F(CoalescingStream, AppendedFramesLeaveInOrderInOneSocketWrite) {
  auto writes = wire().nwrite();
  append("first");
  append(pattern(300, 'a')); // a 16-bit length
  append("third");
  EXPECT_EQ(layer().buffered_bytes(), 2 + 5 + 4 + 300 + 2 + 5u);
  layer().flush();
  settle();
  EXPECT_EQ(describe(frames()), (lines{"data first", "data abcdefgh", "data third"}));
  EXPECT_EQ(wire().nwrite(), writes + 1);
  EXPECT_EQ(layer().buffered_bytes(), 0u);
  EXPECT_EQ(frames()[1].payload, pattern(300, 'a'));
}

TEST_F(CoalescingStream, APongLeavesBehindTheDataAcceptedBeforeIt) {
  keep_reading();
  append("d1");
  client_sends(client_frame(op_ping, "p1")); // Beast answers with a pong
  settle();
  append("d2");
  layer().flush();
  settle();
  EXPECT_EQ(describe(frames()), (lines{"data d1", "pong p1", "data d2"}));
  EXPECT_FALSE(read_result); // a ping is no message: the read goes on
}

TEST_F(CoalescingStream, PingsPongsAndDataKeepTheirOrder) {
  keep_reading();
  append("d1");
  layer().flush();
  server.async_ping("s1", [](beast::error_code) {});
  settle();
  client_sends(client_frame(op_ping, "c1") + client_frame(op_binary, "m1") +
               client_frame(op_ping, "c2"));
  settle();
  append("d2");
  layer().flush();
  client_sends(client_frame(op_pong, "s1"));
  settle();
  EXPECT_EQ(describe(frames()),
            (lines{"data d1", "ping s1", "pong c1", "pong c2", "data d2"}));
  EXPECT_EQ(messages, (std::vector<std::string>{"m1"}));
}

// The bug of issue 18: the peer closes first; Beast writes its Close reply through
// the layer and waits in teardown until it has left. A push appended in that
// window must not follow the Close frame (RFC 6455 §5.5.1).
TEST_F(CoalescingStream, NothingFollowsTheCloseReplyToThePeersClose) {
  keep_reading();
  append("before");
  layer().flush();
  settle();
  client_sends(client_frame(op_close, close_payload(1000, "bye")));
  ASSERT_TRUE(step_until([&] { return layer().close_sent(); }));
  EXPECT_FALSE(read_result); // teardown still waits for the reply to leave
  append("after");           // a push posted in the window
  layer().flush();
  settle();
  EXPECT_EQ(describe(frames()), (lines{"data before", "close 1000"}));
  ASSERT_TRUE(read_result);
  EXPECT_EQ(*read_result, websocket::error::closed);
  EXPECT_EQ(layer().buffered_bytes(), 0u);
}

TEST_F(CoalescingStream, APingBeforeThePeersCloseIsAnsweredBeforeTheReply) {
  keep_reading();
  client_sends(client_frame(op_ping, "p") +
               client_frame(op_close, close_payload(4000, "done")));
  settle();
  // The reply echoes the peer's code.
  EXPECT_EQ(describe(frames()), (lines{"pong p", "close 4000"}));
  ASSERT_TRUE(read_result);
  EXPECT_EQ(*read_result, websocket::error::closed);
}

TEST_F(CoalescingStream, OurCloseGoesBehindAcceptedFramesAndEndsAppends) {
  keep_reading();
  append("d1");
  append("d2");
  std::optional<beast::error_code> closed;
  server.async_close(websocket::close_reason{websocket::close_code::policy_error, "slow"},
                     [&](beast::error_code ec) { closed = ec; });
  append("d3"); // after the Close frame was accepted: dropped
  layer().flush();
  settle();
  EXPECT_TRUE(layer().close_sent());
  EXPECT_EQ(describe(frames()), (lines{"data d1", "data d2", "close 1008"}));
  EXPECT_FALSE(closed); // waiting for the peer's close
  client_sends(client_frame(op_close, close_payload(1008)));
  settle();
  ASSERT_TRUE(closed);
  EXPECT_FALSE(*closed);
  EXPECT_EQ(describe(frames()), (lines{"data d1", "data d2", "close 1008"}));
}

// A protocol error (here an unmasked client frame) fails the connection with a
// Close frame Beast writes by itself: it ends appends too.
TEST_F(CoalescingStream, BeastsOwnProtocolErrorCloseEndsAppendsToo) {
  keep_reading();
  client_sends(std::string{"\x82\x02hi", 4}); // unmasked
  ASSERT_TRUE(step_until([&] { return layer().close_sent(); }));
  append("late");
  layer().flush();
  settle();
  EXPECT_EQ(describe(frames()), (lines{"close 1002"}));
  ASSERT_TRUE(read_result);
  EXPECT_TRUE(*read_result);
}

// The close handshake's teardown waits until the Close frame has left, even when
// the socket takes it a few bytes at a time: the client sees it whole.
TEST_F(CoalescingStream, TeardownWaitsForTheCloseFrameToLeave) {
  wire().write_size(3);
  keep_reading();
  append(pattern(200, 'k'));
  layer().flush();
  client_sends(client_frame(op_close, close_payload(1001, "going away now")));
  settle();
  auto fs = frames(); // complete: no frame cut short
  EXPECT_EQ(describe(fs), (lines{"data klmnopqr", "close 1001"}));
  EXPECT_EQ(fs.back().payload, close_payload(1001)); // Beast echoes the code only
  ASSERT_TRUE(read_result);
  EXPECT_EQ(*read_result, websocket::error::closed);
}

// ws_session cuts a slow consumer: it drops what is not yet on the wire and closes
// with 1008. A frame being written finishes whole; the dropped ones never start.
TEST_F(CoalescingStream, ASlowConsumersUnsentFramesAreDroppedWhole) {
  wire().write_size(7); // the socket takes 7 bytes per write: the first stays in flight
  keep_reading();
  auto before = client.nwrite_bytes();
  append(pattern(500, 'a'));
  layer().flush();
  ASSERT_TRUE(step_until([&] { return client.nwrite_bytes() > before; }));
  append(pattern(500, 'b'));
  append(pattern(500, 'c'));
  EXPECT_GT(layer().buffered_bytes(), 1000u);
  layer().discard_pending();
  EXPECT_LT(layer().buffered_bytes(), 510u); // only the frame in flight
  server.async_close(
      websocket::close_reason{websocket::close_code::policy_error, "slow consumer"},
      [](beast::error_code) {});
  settle();
  auto fs = frames();
  EXPECT_EQ(describe(fs), (lines{"data abcdefgh", "close 1008"}));
  EXPECT_EQ(fs[0].payload, pattern(500, 'a'));
}

// Pongs count against the write limit: a client that pings while the server's
// writes back up is cut instead of growing the buffer (issue 18, unbounded pongs).
TEST_F(CoalescingStream, PongsBeyondTheWriteLimitFailTheRead) {
  layer().set_write_limit(64);
  wire().write_size(1);
  keep_reading();
  append(pattern(200, 'z'));
  layer().flush();
  std::string pings;
  for (int i = 0; i < 20; ++i)
    pings += client_frame(op_ping, "ping-" + std::to_string(i));
  client_sends(pings);
  ASSERT_TRUE(step_until([&] { return read_result.has_value(); }));
  EXPECT_EQ(*read_result, asio::error::no_buffer_space);
  EXPECT_TRUE(layer().overflowed());
  EXPECT_LE(layer().buffered_bytes(), 2 + 2 + 200 + 64u);
}

TEST_F(CoalescingStream, WaitFlushedFiresOnceEverythingAcceptedLeft) {
  wire().write_size(4);
  auto before = client.nwrite_bytes();
  append(pattern(40, 'w'));
  layer().flush();
  bool flushed = false;
  layer().async_wait_flushed([&] { flushed = true; });
  EXPECT_FALSE(flushed);
  settle();
  EXPECT_TRUE(flushed);
  EXPECT_EQ(client.nwrite_bytes() - before, 42u);
  bool again = false;
  layer().async_wait_flushed([&] { again = true; }); // nothing waits: next turn
  settle();
  EXPECT_TRUE(again);
}

} // namespace

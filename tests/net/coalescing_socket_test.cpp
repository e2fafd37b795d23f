// net/coalescing_stream over a real loopback TCP socket (what ws_session runs): a
// write is sent at once on the calling thread when the socket takes it, and what
// the socket's buffer cannot take yet leaves later, asynchronously, in order, with
// nothing lost or sent twice. The WebSocket side of the layer (control frames, the
// close handshake, the slow-consumer cut) is tested on Beast's test stream in
// coalescing_stream_test.cpp.
#include "net/coalescing_stream.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <gtest/gtest.h>

#include "net/io.hpp"

namespace {

namespace asio = boost::asio;
using parley::net::coalescing_stream;
using parley::net::tcp_stream;
using tcp = asio::ip::tcp;

class CoalescingSocket : public ::testing::Test {
protected:
  CoalescingSocket() {
    tcp::acceptor acceptor{io, tcp::endpoint{asio::ip::make_address("127.0.0.1"), 0}};
    client.connect(acceptor.local_endpoint());
    parley::net::tcp_socket accepted{io};
    acceptor.accept(accepted);
    server.emplace(tcp_stream{std::move(accepted)});
  }

  /// `n` bytes of a pattern that shows reordering, loss and duplication.
  static std::string pattern(std::size_t n, std::size_t from = 0) {
    std::string out(n, '\0');
    for (std::size_t i = 0; i < n; ++i)
      out[i] = static_cast<char>('a' + (from + i) * 7 % 26);
    return out;
  }

  void append(const std::string& bytes) {
    server->append(std::array<asio::const_buffer, 1>{asio::buffer(bytes)});
  }

  /// Reads what the client has received, running the server's io meanwhile, until
  /// `n` bytes arrived or nothing moves for a second.
  std::string receive(std::size_t n) {
    std::string got;
    std::vector<char> chunk(64 * 1024);
    auto idle_since = std::chrono::steady_clock::now();
    client.non_blocking(true);
    while (got.size() < n &&
           std::chrono::steady_clock::now() - idle_since < std::chrono::seconds{1}) {
      io.poll();
      io.restart();
      boost::system::error_code ec;
      auto k = client.read_some(asio::buffer(chunk), ec);
      if (k > 0) {
        got.append(chunk.data(), k);
        idle_since = std::chrono::steady_clock::now();
      }
    }
    return got;
  }

  asio::io_context io;
  tcp::socket client{io};
  std::optional<coalescing_stream<tcp_stream>> server;
};

TEST_F(CoalescingSocket, AWriteTheSocketTakesIsSentAtOnce) {
  append("first ");
  append("second");
  server->flush();
  // Sent on this thread: nothing waits for the io loop.
  EXPECT_EQ(server->buffered_bytes(), 0u);
  bool flushed = false;
  server->async_wait_flushed([&] { flushed = true; });
  EXPECT_EQ(receive(12), "first second");
  EXPECT_TRUE(flushed);
}

TEST_F(CoalescingSocket, WhatTheSocketCannotTakeNowLeavesLaterInOrder) {
  // Far more than loopback's socket buffers hold while the client does not read.
  const std::size_t big = 32 * 1024 * 1024;
  append(pattern(big));
  server->flush();
  EXPECT_GT(server->buffered_bytes(), 0u) << "part of it waits for the socket";
  // Appended while the rest is in flight: it follows, after all of it.
  append(pattern(1000, big));
  server->flush();
  bool flushed = false;
  server->async_wait_flushed([&] { flushed = true; });
  auto got = receive(big + 1000);
  ASSERT_EQ(got.size(), big + 1000);
  EXPECT_TRUE(got == pattern(big + 1000)) << "every byte once, in order";
  io.poll();
  EXPECT_EQ(server->buffered_bytes(), 0u);
  EXPECT_TRUE(flushed);
}

TEST_F(CoalescingSocket, AFailedSendDropsWhatFollowsWithoutWaiting) {
  server->next_layer().socket().close();
  append("lost");
  server->flush();
  append("dropped too");
  server->flush();
  EXPECT_EQ(server->buffered_bytes(), 0u);
  bool flushed = false;
  server->async_wait_flushed([&] { flushed = true; });
  io.poll();
  EXPECT_TRUE(flushed);
}

TEST_F(CoalescingSocket, APeerThatWentAwayFailsTheSendWithoutASignal) {
  client.close();
  // The first send may still be taken by the kernel; the reset that answers it
  // fails a later one, with EPIPE or ECONNRESET and no SIGPIPE (the test would die).
  for (int i = 0; i < 20; ++i) {
    append(pattern(100000));
    server->flush();
    io.poll();
    io.restart();
  }
  EXPECT_EQ(server->buffered_bytes(), 0u);
}

} // namespace

#include "net/frame_read_buffer.hpp"

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using parley::net::frame_read_buffer;

namespace {

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i)
    s[i] = static_cast<char>('a' + i % 26);
  return s;
}

TEST(FrameReadBuffer, OffersASmallFirstSliceThenNoBound) {
  frame_read_buffer b;
  EXPECT_EQ(b.max_size() - b.size(), frame_read_buffer::first_slice);
  EXPECT_THROW(b.prepare(frame_read_buffer::first_slice + 1), std::length_error);
  auto mb = b.prepare(frame_read_buffer::first_slice);
  EXPECT_EQ(mb.size(), frame_read_buffer::first_slice);
  b.commit(frame_read_buffer::first_slice);
  // Beast now asks for the rest of the frame, however long.
  EXPECT_GT(b.max_size() - b.size(), std::size_t{1} << 40);
  b.prepare(100'000);
  b.commit(100'000);
  EXPECT_EQ(b.size(), 100'256u);
  b.take();
  EXPECT_EQ(b.max_size() - b.size(), frame_read_buffer::first_slice); // the next message
}

TEST(FrameReadBuffer, CommitKeepsOnlyWhatWasWrittenAndTakeMovesItOut) {
  frame_read_buffer b;
  auto mb = b.prepare(100);
  std::memcpy(mb.data(), "hello", 5);
  b.commit(5);
  EXPECT_EQ(b.size(), 5u);
  EXPECT_EQ(beast::buffers_to_string(b.data()), "hello");
  EXPECT_EQ(b.take(), "hello");
  EXPECT_EQ(b.size(), 0u);
  EXPECT_EQ(b.capacity(), std::string{}.capacity()); // nothing held once taken
}

TEST(FrameReadBuffer, ConsumeDropsFromTheFront) {
  frame_read_buffer b;
  auto mb = b.prepare(6);
  std::memcpy(mb.data(), "abcdef", 6);
  b.commit(6);
  b.consume(2);
  EXPECT_EQ(beast::buffers_to_string(b.data()), "cdef");
  b.consume(100);
  EXPECT_EQ(b.size(), 0u);
  b.clear();
  EXPECT_EQ(b.capacity(), std::string{}.capacity());
}

// Beast's own reader fills the buffer: frames shorter than, equal to and far
// longer than the first slice arrive whole and byte for byte.
TEST(FrameReadBuffer, BeastReadsWholeFramesOfEverySizeIntoIt) {
  boost::asio::io_context ioc;
  websocket::stream<beast::test::stream> server{ioc}, client{ioc};
  beast::get_lowest_layer(client).connect(beast::get_lowest_layer(server));
  server.binary(true);
  client.binary(true);
  client.auto_fragment(false);

  const std::vector<std::size_t> sizes{0, 1, 255, 256, 257, 1536, 5000, 70'000};
  std::vector<std::string> sent, got;
  for (auto n : sizes)
    sent.push_back(pattern(n));

  frame_read_buffer buffer;
  std::function<void()> read_next = [&] {
    server.async_read(buffer, [&](beast::error_code ec, std::size_t) {
      ASSERT_FALSE(ec) << ec.message();
      got.push_back(buffer.take());
      if (got.size() < sent.size()) read_next();
    });
  };
  server.async_accept([&](beast::error_code ec) {
    ASSERT_FALSE(ec) << ec.message();
    read_next();
  });
  std::size_t next = 0;
  std::function<void()> write_next = [&] {
    if (next == sent.size()) return;
    client.async_write(boost::asio::buffer(sent[next]),
                       [&](beast::error_code ec, std::size_t) {
                         ASSERT_FALSE(ec) << ec.message();
                         ++next;
                         write_next();
                       });
  };
  client.async_handshake("localhost", "/v1", [&](beast::error_code ec) {
    ASSERT_FALSE(ec) << ec.message();
    write_next();
  });
  ioc.run();
  ASSERT_EQ(got.size(), sent.size());
  for (std::size_t i = 0; i < sent.size(); ++i)
    EXPECT_EQ(got[i], sent[i]) << "frame " << i;
}

// A frame over read_message_max still fails as Beast's limit says, not ours.
TEST(FrameReadBuffer, BeastsMessageLimitStillApplies) {
  boost::asio::io_context ioc;
  websocket::stream<beast::test::stream> server{ioc}, client{ioc};
  beast::get_lowest_layer(client).connect(beast::get_lowest_layer(server));
  server.read_message_max(1000);
  client.binary(true);
  const std::string big = pattern(1001);
  frame_read_buffer buffer;
  beast::error_code read_ec;
  server.async_accept([&](beast::error_code ec) {
    ASSERT_FALSE(ec);
    server.async_read(buffer, [&](beast::error_code ec, std::size_t) { read_ec = ec; });
  });
  client.async_handshake("localhost", "/v1", [&](beast::error_code ec) {
    ASSERT_FALSE(ec);
    client.async_write(boost::asio::buffer(big), [](beast::error_code, std::size_t) {});
  });
  ioc.run();
  EXPECT_EQ(read_ec, websocket::error::message_too_big);
}

} // namespace

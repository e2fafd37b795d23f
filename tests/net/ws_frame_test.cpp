#include "net/ws_frame.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

namespace {

using parley::net::binary_frame_header;

struct header_case {
  std::uint64_t payload;
  std::vector<unsigned char> expected;
};

TEST(ws_frame, headers_use_the_shortest_length_form) {
  const std::vector<header_case> cases{
      {0, {0x82, 0}},
      {1, {0x82, 1}},
      {125, {0x82, 125}},
      {126, {0x82, 126, 0, 126}},
      {65535, {0x82, 126, 0xff, 0xff}},
      {65536, {0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
      {0x0102030405060708ull, {0x82, 127, 1, 2, 3, 4, 5, 6, 7, 8}},
  };
  for (const auto& c : cases) {
    auto h = binary_frame_header(c.payload);
    std::vector<unsigned char> got(h.bytes.begin(), h.bytes.begin() + h.size);
    EXPECT_EQ(got, c.expected) << "payload " << c.payload;
  }
}

// A Beast client reads what the server frames by hand as ordinary binary messages,
// several of them back to back in one buffer (as they leave in one socket write).
TEST(ws_frame, a_websocket_client_reads_hand_framed_messages) {
  namespace beast = boost::beast;
  namespace websocket = beast::websocket;
  boost::asio::io_context ioc;
  beast::test::stream server{ioc};
  websocket::stream<beast::test::stream> client{ioc};
  client.next_layer().connect(server);
  // A real handshake against a server-side Beast stream first.
  websocket::stream<beast::test::stream&> server_ws{server};
  server_ws.async_accept([](beast::error_code ec) { ASSERT_FALSE(ec); });
  client.async_handshake("localhost", "/v1",
                         [](beast::error_code ec) { ASSERT_FALSE(ec); });
  ioc.run();
  ioc.restart();

  std::string wire;
  const std::vector<std::string> payloads{"", "a", std::string(125, 'x'),
                                          std::string(126, 'y'), std::string(70000, 'z')};
  for (const auto& p : payloads) {
    auto h = binary_frame_header(p.size());
    wire.append(reinterpret_cast<const char*>(h.bytes.data()), h.size);
    wire += p;
  }
  client.next_layer().append(wire); // the client's input: unmasked, as a server sends

  for (const auto& p : payloads) {
    beast::flat_buffer buf;
    beast::error_code ec;
    client.read(buf, ec);
    ASSERT_FALSE(ec) << ec.message();
    EXPECT_TRUE(client.got_binary());
    EXPECT_EQ(beast::buffers_to_string(buf.data()), p);
  }
}

} // namespace

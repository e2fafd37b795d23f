#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace parley::net {

/// The header of one unfragmented, unmasked binary WebSocket frame (RFC 6455
/// §5.2) carrying `payload_bytes`: what a server sends for one message. Returns
/// the header bytes and how many of them are used (2, 4 or 10).
struct ws_frame_header {
  std::array<unsigned char, 10> bytes{};
  std::size_t size = 0;
};

constexpr ws_frame_header binary_frame_header(std::uint64_t payload_bytes) {
  ws_frame_header h;
  h.bytes[0] = 0x82; // FIN, opcode 2 (binary)
  if (payload_bytes < 126) {
    h.bytes[1] = static_cast<unsigned char>(payload_bytes);
    h.size = 2;
  } else if (payload_bytes <= 0xffff) {
    h.bytes[1] = 126;
    h.bytes[2] = static_cast<unsigned char>(payload_bytes >> 8);
    h.bytes[3] = static_cast<unsigned char>(payload_bytes);
    h.size = 4;
  } else {
    h.bytes[1] = 127;
    for (int i = 0; i < 8; ++i)
      h.bytes[2 + i] = static_cast<unsigned char>(payload_bytes >> (8 * (7 - i)));
    h.size = 10;
  }
  return h;
}

} // namespace parley::net

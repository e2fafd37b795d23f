#include "protocol/frame_check.hpp"

#include <cstdint>
#include <vector>

namespace parley::protocol {

namespace {

/// A cursor over the frame that reads big-endian integers with bounds checks.
class cursor {
public:
  explicit cursor(std::string_view bytes)
      : p_(reinterpret_cast<const std::uint8_t*>(bytes.data())), n_(bytes.size()) {}

  std::size_t remaining() const { return n_ - i_; }

  bool take(std::size_t count) {
    if (remaining() < count) return false;
    i_ += count;
    return true;
  }

  bool read_be(std::size_t width, std::uint64_t& out) {
    if (remaining() < width) return false;
    out = 0;
    for (std::size_t k = 0; k < width; ++k)
      out = (out << 8) | p_[i_ + k];
    i_ += width;
    return true;
  }

  bool read_byte(std::uint8_t& out) {
    if (remaining() < 1) return false;
    out = p_[i_++];
    return true;
  }

private:
  const std::uint8_t* p_;
  std::size_t n_;
  std::size_t i_ = 0;
};

enum class kind { scalar, str, container };

struct header {
  kind what = kind::scalar;
  std::uint64_t items = 0; // for containers: elements to follow (2n for maps)
  bool is_map = false;
};

/// Reads one object header and skips any payload bytes; containers report how many
/// elements follow. Returns false on truncation or the reserved byte 0xc1.
bool read_header(cursor& in, header& h) {
  std::uint8_t b;
  if (!in.read_byte(b)) return false;
  h = header{};
  std::uint64_t len = 0;
  auto payload = [&](std::size_t width) {
    return in.read_be(width, len) && in.take(static_cast<std::size_t>(len));
  };
  if (b <= 0x7f || b >= 0xe0) return true; // fixint
  if (b >= 0x80 && b <= 0x8f) {
    h = {kind::container, 2ull * (b & 0x0f), true};
    return true;
  }
  if (b >= 0x90 && b <= 0x9f) {
    h = {kind::container, static_cast<std::uint64_t>(b & 0x0f), false};
    return true;
  }
  if (b >= 0xa0 && b <= 0xbf) {
    h.what = kind::str;
    return in.take(b & 0x1f);
  }
  switch (b) {
  case 0xc0: // nil
  case 0xc2: // false
  case 0xc3: // true
    return true;
  case 0xc4:
    return payload(1); // bin 8/16/32
  case 0xc5:
    return payload(2);
  case 0xc6:
    return payload(4);
  case 0xc7:
    return in.read_be(1, len) && in.take(1 + len); // ext 8/16/32
  case 0xc8:
    return in.read_be(2, len) && in.take(1 + len);
  case 0xc9:
    return in.read_be(4, len) && in.take(1 + len);
  case 0xca:
    return in.take(4); // float 32/64
  case 0xcb:
    return in.take(8);
  case 0xcc:
  case 0xd0:
    return in.take(1); // (u)int 8..64
  case 0xcd:
  case 0xd1:
    return in.take(2);
  case 0xce:
  case 0xd2:
    return in.take(4);
  case 0xcf:
  case 0xd3:
    return in.take(8);
  case 0xd4:
    return in.take(2); // fixext 1..16
  case 0xd5:
    return in.take(3);
  case 0xd6:
    return in.take(5);
  case 0xd7:
    return in.take(9);
  case 0xd8:
    return in.take(17);
  case 0xd9:
    h.what = kind::str;
    return payload(1); // str 8/16/32
  case 0xda:
    h.what = kind::str;
    return payload(2);
  case 0xdb:
    h.what = kind::str;
    return payload(4);
  case 0xdc:
    h = {kind::container, 0, false};
    return in.read_be(2, h.items);
  case 0xdd:
    h = {kind::container, 0, false};
    return in.read_be(4, h.items);
  case 0xde:
    h = {kind::container, 0, true};
    if (!in.read_be(2, h.items)) return false;
    h.items *= 2;
    return true;
  case 0xdf:
    h = {kind::container, 0, true};
    if (!in.read_be(4, h.items)) return false;
    h.items *= 2;
    return true;
  default:
    return false; // 0xc1 is never used
  }
}

} // namespace

std::optional<std::string> check_frame(std::string_view bytes, std::size_t max_depth) {
  if (bytes.empty()) return "empty frame";
  cursor in{bytes};
  header h;
  if (!read_header(in, h)) return "malformed or truncated MessagePack";
  if (h.what != kind::container || !h.is_map) return "frame is not a MessagePack map";
  // Elements still expected at each open nesting level; the top level is the map.
  std::vector<std::uint64_t> open;
  open.reserve(max_depth);
  auto push = [&](std::uint64_t items) -> std::optional<std::string> {
    // Every element takes at least one byte, so a count beyond what remains is a lie.
    if (items > in.remaining()) return "declared length exceeds frame";
    if (open.size() >= max_depth) return "nesting too deep";
    open.push_back(items);
    return std::nullopt;
  };
  if (auto err = push(h.items)) return err;
  std::uint64_t top_index = 0; // position inside the top-level map (even = key)
  std::size_t objects = 1;
  while (!open.empty()) {
    if (open.back() == 0) {
      open.pop_back();
      continue;
    }
    --open.back();
    if (++objects > limits::max_frame_objects) return "too many objects in one frame";
    bool top_key = open.size() == 1 && (top_index++ % 2 == 0);
    if (!read_header(in, h)) return "malformed or truncated MessagePack";
    if (top_key && h.what != kind::str) return "map keys must be strings";
    if (h.what == kind::container)
      if (auto err = push(h.items)) return err;
  }
  if (in.remaining() != 0) return "trailing bytes after the map";
  return std::nullopt;
}

} // namespace parley::protocol

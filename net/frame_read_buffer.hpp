#pragma once

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>

#include <boost/asio/buffer.hpp>

namespace parley::net {

/// The dynamic buffer a WebSocket connection reads its frames into (the asio
/// DynamicBuffer v1 shape that Beast's `async_read` takes). Two things set it apart
/// from `beast::flat_buffer`:
///
/// - A frame lands in a std::string that `take()` moves out to the session actor:
///   the payload is not copied again on its way to the decoder.
/// - An idle connection holds a small buffer. Beast prepares the buffer of a
///   message's first read before any byte arrives, sized `min(1536, max_size() -
///   size())` (websocket `read_size_hint_db`); this buffer answers `first_slice`
///   for that one call, so the read that waits on an idle connection pins 256 bytes
///   instead of 1.5 KiB (bench/RESULTS.md, "Idle connections"). Once the frame
///   header is known Beast asks for exactly the rest of the frame, and max_size()
///   no longer limits it: a longer frame costs one more read out of Beast's own
///   frame buffer, not a series. The frame size limit is Beast's
///   `read_message_max`, not this.
class frame_read_buffer {
public:
  using const_buffers_type = boost::asio::const_buffer;
  using mutable_buffers_type = boost::asio::mutable_buffer;

  /// Most chat frames (a msg.send with a short body) fit in one slice.
  static constexpr std::size_t first_slice = 256;

  std::size_t size() const noexcept { return size_; }
  /// `size() + first_slice` before a message's first prepare(), else no bound
  /// (see above).
  std::size_t max_size() const noexcept {
    return fresh_ ? size_ + first_slice : unbounded;
  }
  std::size_t capacity() const noexcept { return bytes_.capacity(); }

  const_buffers_type data() const noexcept { return {bytes_.data(), size_}; }

  mutable_buffers_type prepare(std::size_t n) {
    if (n > max_size() - size_)
      throw std::length_error{"frame_read_buffer: prepare too large"};
    fresh_ = false;
    bytes_.resize(size_ + n);
    return {bytes_.data() + size_, n};
  }

  void commit(std::size_t n) noexcept {
    size_ += std::min(n, bytes_.size() - size_);
    bytes_.resize(size_);
  }

  void consume(std::size_t n) {
    n = std::min(n, size_);
    bytes_.erase(0, n);
    size_ -= n;
  }

  /// The bytes read so far, moved out; leaves the buffer empty and unallocated.
  std::string take() noexcept {
    bytes_.resize(size_);
    size_ = 0;
    fresh_ = true;
    return std::exchange(bytes_, std::string{});
  }

  /// Drops the content and the allocation.
  void clear() noexcept {
    std::string{}.swap(bytes_);
    size_ = 0;
    fresh_ = true;
  }

private:
  std::string bytes_; // [0, size_) read; [size_, bytes_.size()) prepared
  std::size_t size_ = 0;
  bool fresh_ = true; // no prepare() since the last message was taken
  static constexpr std::size_t unbounded = std::size_t{1} << 62;
};

} // namespace parley::net

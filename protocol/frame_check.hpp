#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/limits.hpp"

namespace parley::protocol {

/// Walks the raw bytes of a frame without allocating and decides whether it is
/// exactly one MessagePack map with string keys at the top level, nested at most
/// `max_depth` deep, whose every declared length fits in the bytes that remain.
/// Only frames that pass are handed to msgpack-cxx, so a hostile length prefix or a
/// deeply nested frame can exhaust neither memory nor stack.
/// Returns nullopt when the frame is acceptable, else a short reason (the text of
/// the 1007 close).
std::optional<std::string> check_frame(std::string_view bytes,
                                       std::size_t max_depth = limits::max_nesting);

} // namespace parley::protocol

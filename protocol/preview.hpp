#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "protocol/limits.hpp"

namespace parley::protocol {

/// The preview of a message body used by reply-to and notifications: its first line,
/// at most `max_chars` code points (not bytes), ending in "…" when anything was cut
/// (a longer line or further lines). `body` must be valid UTF-8.
std::string cut_preview(std::string_view body,
                        std::size_t max_chars = limits::preview_chars);

} // namespace parley::protocol

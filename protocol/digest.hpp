#pragma once

#include <array>
#include <cstdint>
#include <string_view>

// A content digest for ids derived from content (e.g. the one support conversation
// of a contact), so that two nodes or two racing requests name the same thing.
namespace parley::protocol {

/// SHA-256 of `bytes`.
std::array<std::uint8_t, 32> sha256(std::string_view bytes);

} // namespace parley::protocol

#pragma once

#include <cstddef>
#include <string_view>

namespace parley::protocol {

/// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, at most
/// U+10FFFF). Every string the server stores or forwards passes this check.
bool valid_utf8(std::string_view text);

/// True when `text` is valid UTF-8 without U+0000: what a text field must be to be
/// stored. PostgreSQL's text type cannot hold U+0000 and libpq passes parameters as
/// C strings, so a NUL would fail the statement or silently cut the value.
bool valid_text(std::string_view text);

/// Byte length of the first `chars` code points of valid UTF-8 `text` (all of it
/// when it has fewer).
std::size_t utf8_prefix_bytes(std::string_view text, std::size_t chars);

/// Number of code points in valid UTF-8 `text`.
std::size_t utf8_length(std::string_view text);

} // namespace parley::protocol

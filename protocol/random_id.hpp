#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace parley::protocol {

/// A new unguessable id: `prefix` and then `chars` characters of a-z2-7, each 5
/// bits from OpenSSL's CSPRNG (RAND_bytes), 130 bits with the default length.
/// Conversation (`c`), invitation (`i`), blob (`b`) and session (`s`) ids all come
/// from here: ids are not secrets (access is checked on every use), but the docs
/// promise that one id tells nothing about another. Throws std::runtime_error if
/// the CSPRNG fails, which OpenSSL reports only when it cannot be seeded.
std::string random_id(char prefix, std::size_t chars = 26);

/// True when `id` is `prefix` followed by exactly `chars` characters of a-z2-7.
bool has_random_id_shape(std::string_view id, char prefix, std::size_t chars = 26);

} // namespace parley::protocol

#include "actors/rules/ids.hpp"

#include <cstdint>

#include "protocol/digest.hpp"
#include "protocol/random_id.hpp"

namespace parley {

bool valid_conversation_id(std::string_view id) {
  return protocol::has_random_id_shape(id, 'c');
}

std::string new_conversation_id() {
  // 130 random bits in base32 (a-z, 2-7): unguessable, URL- and path-safe.
  return protocol::random_id('c');
}

std::string support_conversation_id(std::string_view org, std::string_view contact) {
  std::string key{"parley/support/"};
  key += org;
  key += '\0';
  key += contact;
  auto digest = protocol::sha256(key);
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  // 26 base32 characters = the first 130 bits of the digest, like a random id.
  std::string id = "c";
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t next = 0;
  while (id.size() < 27) {
    if (bits < 5) {
      buffer = (buffer << 8) | digest[next++];
      bits += 8;
    }
    id += alphabet[(buffer >> (bits - 5)) & 31];
    bits -= 5;
  }
  return id;
}

std::string new_blob_id() {
  return protocol::random_id('b');
}

bool valid_blob_id(std::string_view id) {
  return protocol::has_random_id_shape(id, 'b');
}

} // namespace parley

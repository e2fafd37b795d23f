#include "protocol/random_id.hpp"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include <openssl/rand.h>

namespace parley::protocol {

namespace {

constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

bool in_alphabet(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '2' && c <= '7');
}

} // namespace

std::string random_id(char prefix, std::size_t chars) {
  // One byte per character, its low 5 bits used: 256 is a multiple of 32, so every
  // character is uniform; the 3 spare bits per byte cost nothing that matters.
  std::vector<unsigned char> bytes(chars);
  if (chars > 0 && RAND_bytes(bytes.data(), static_cast<int>(chars)) != 1)
    throw std::runtime_error("the CSPRNG (RAND_bytes) failed");
  std::string id(1, prefix);
  id.reserve(1 + chars);
  for (auto b : bytes)
    id += alphabet[b & 31];
  return id;
}

bool has_random_id_shape(std::string_view id, char prefix, std::size_t chars) {
  return id.size() == 1 + chars && id[0] == prefix &&
         std::all_of(id.begin() + 1, id.end(), in_alphabet);
}

} // namespace parley::protocol

#include "bench/common/body.hpp"

#include <string_view>

namespace parley::bench {

std::string make_body(std::size_t bytes) {
  static constexpr std::string_view words =
      "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
      "incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud "
      "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat ";
  std::string out;
  out.reserve(bytes);
  while (out.size() < bytes)
    out.append(words.substr(0, bytes - out.size()));
  return out;
}

} // namespace parley::bench

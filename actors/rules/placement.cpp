#include "actors/rules/placement.hpp"

#include <algorithm>

namespace parley::placement {

namespace {

constexpr std::uint64_t fnv_offset = 14695981039346656037ull;
constexpr std::uint64_t fnv_prime = 1099511628211ull;

std::uint64_t fnv(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= fnv_prime;
  }
  return h;
}

/// splitmix64's finaliser: FNV alone leaves the high bits of similar keys close.
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

} // namespace

std::uint64_t score(std::string_view node, std::string_view conv) {
  auto h = fnv(fnv_offset, node);
  h ^= 0;
  h *= fnv_prime; // the separator: ("ab", "c") and ("a", "bc") differ
  return mix(fnv(h, conv));
}

std::optional<std::size_t> owner(std::string_view conv,
                                 const std::vector<std::string>& live) {
  std::optional<std::size_t> best;
  std::uint64_t best_score = 0;
  for (std::size_t i = 0; i < live.size(); ++i) {
    auto s = score(live[i], conv);
    if (!best || s > best_score || (s == best_score && live[i] < live[*best])) {
      best = i;
      best_score = s;
    }
  }
  return best;
}

std::chrono::milliseconds retry_delay(std::size_t attempt,
                                      std::chrono::milliseconds first,
                                      std::chrono::milliseconds cap) {
  auto d = first;
  for (std::size_t i = 0; i < attempt && d < cap; ++i)
    d *= 2;
  return std::min(d, cap);
}

bool silent(std::chrono::steady_clock::time_point last_heard,
            std::chrono::steady_clock::time_point now,
            std::chrono::milliseconds timeout) {
  return now - last_heard >= timeout;
}

} // namespace parley::placement

#include "bench/loadgen/fanout_stamp.hpp"

#include <charconv>

namespace parley::bench {

using clock = std::chrono::steady_clock;

std::string make_stamp(std::size_t step, std::uint64_t slot, clock::time_point due) {
  return std::to_string(step) + "-" + std::to_string(slot) + "-" +
         std::to_string(due.time_since_epoch().count());
}

bool parse_stamp(std::string_view text, fanout_stamp& out) {
  const char* p = text.data();
  const char* end = p + text.size();
  std::uint64_t step = 0, slot = 0;
  clock::rep due = 0;
  auto r = std::from_chars(p, end, step);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != '-') return false;
  r = std::from_chars(r.ptr + 1, end, slot);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != '-') return false;
  r = std::from_chars(r.ptr + 1, end, due);
  if (r.ec != std::errc{} || (r.ptr != end && *r.ptr != ' ')) return false;
  out.step = step;
  out.due = clock::time_point{clock::duration{due}};
  return true;
}

} // namespace parley::bench

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// The timing stamp every fan-out message carries: "<step>-<slot>-<due>", due = the
// scheduled send time in steady-clock ticks. Every member's copy brings it back, so
// the receiving thread times the delivery with no shared table. parley-fanout sends it
// as the cid; the NATS and XMPP tools put it at the start of the payload, before a
// space and the filler.
namespace parley::bench {

struct fanout_stamp {
  std::size_t step = 0;
  std::chrono::steady_clock::time_point due;
};

std::string make_stamp(std::size_t step, std::uint64_t slot,
                       std::chrono::steady_clock::time_point due);

/// Reads a stamp at the start of `text`, which ends there or goes on after a space.
bool parse_stamp(std::string_view text, fanout_stamp& out);

} // namespace parley::bench

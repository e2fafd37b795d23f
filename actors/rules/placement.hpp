#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Where a conversation lives in a cluster, and when a peer counts as gone: pure
// functions of the live set and the clock, so every node computes the same answer
// from the same facts and a table test pins them down (tests/actors/placement_test).
namespace parley::placement {

/// The rendezvous (highest random weight) score of `conv` on `node`: a hash of
/// both that is the same on every node, build and platform (FNV-1a over
/// node NUL conv, then a 64-bit finaliser), never std::hash.
std::uint64_t score(std::string_view node, std::string_view conv);

/// The node of `live` that owns `conv`: the one with the highest score, ties to
/// the smaller name. Independent of the order of `live`; when a node leaves only
/// its own conversations move, when one joins only the ones it wins. nullopt
/// when `live` is empty.
std::optional<std::size_t> owner(std::string_view conv,
                                 const std::vector<std::string>& live);

/// The delay before the `attempt`-th reconnection to a peer (0-based): doubling
/// from `first`, at most `cap`.
std::chrono::milliseconds retry_delay(std::size_t attempt,
                                      std::chrono::milliseconds first,
                                      std::chrono::milliseconds cap);

/// A peer that sent nothing for `timeout` up to `now` is silent (alive or not, it
/// is treated as gone: its conversations re-home and fencing stops its writes).
bool silent(std::chrono::steady_clock::time_point last_heard,
            std::chrono::steady_clock::time_point now, std::chrono::milliseconds timeout);

} // namespace parley::placement

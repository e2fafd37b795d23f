#pragma once

#include <cstdint>

// The two clocks the actors read. Tests that need control over time use CAF's
// test scheduler for timers; these are the wall and monotonic clocks.
namespace parley {

/// Milliseconds since the Unix epoch.
std::int64_t now_ms();

/// Milliseconds of a monotonic clock (for intervals and rate limits).
std::int64_t steady_ms();

} // namespace parley

#pragma once

#include <cstddef>
#include <string>

namespace parley::bench {

/// A message body of exactly `bytes` bytes: lower-case words and spaces, so it is
/// valid UTF-8, needs no escaping in COPY text format, and looks like chat text to
/// anything that indexes it. The load generator and the COPY ceiling send the same
/// bodies.
std::string make_body(std::size_t bytes);

} // namespace parley::bench

#pragma once

#include <cstddef>
#include <optional>

namespace parley {

/// What the allocator says about the heap, for /metrics: the bytes the program has
/// allocated and not freed, and the bytes the allocator holds from the system for
/// them (the difference is free memory it keeps: fragmentation and caches). With
/// RSS beside them, a soak tells a leak (allocated grows) from an allocator that
/// keeps what was freed (only the heap grows).
struct heap_usage {
  std::size_t allocated = 0;
  std::size_t heap = 0;
};

/// tcmalloc's figures when parleyd runs on it (found at run time, so the node
/// library needs no link to it), else glibc's mallinfo2; nullopt when tcmalloc is
/// there but does not answer.
std::optional<heap_usage> read_heap_usage();

} // namespace parley

#include "actors/node/heap_usage.hpp"

#include <dlfcn.h>
#include <malloc.h>

namespace parley {

namespace {

// gperftools' C interface (malloc_extension_c.h); looked up by name so that a
// build on glibc's allocator (PARLEY_MALLOC=system, the sanitizers) links too.
using numeric_property_fn = int (*)(const char*, std::size_t*);

numeric_property_fn tcmalloc_property() {
  static const auto fn = reinterpret_cast<numeric_property_fn>(
      ::dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty"));
  return fn;
}

} // namespace

std::optional<heap_usage> read_heap_usage() {
  if (auto fn = tcmalloc_property()) {
    heap_usage h;
    if (fn("generic.current_allocated_bytes", &h.allocated) &&
        fn("generic.heap_size", &h.heap))
      return h;
    return std::nullopt;
  }
  // glibc (mallinfo2 sums every arena): the chunks in use and the mmap'd blocks;
  // the heap is what the arenas and the mmap'd blocks hold.
  auto mi = ::mallinfo2();
  return heap_usage{.allocated = mi.uordblks + mi.hblkhd, .heap = mi.arena + mi.hblkhd};
}

} // namespace parley

#pragma once

#include <cstdio>
#include <cstdlib>

// An invariant of a fuzz target: a violation prints which one and aborts, which
// libFuzzer (and the corpus replay) reports as a crash with the input saved.
#define must(condition)                                                                  \
  ((condition) ? (void)0                                                                 \
               : (std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,        \
                               __LINE__, #condition),                                    \
                  std::abort()))

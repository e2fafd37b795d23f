#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "actors/node/heap_usage.hpp"

namespace parley {
namespace {

TEST(HeapUsage, counts_a_block_while_it_is_held) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's allocator keeps accounts of its own";
#endif
  constexpr std::size_t size = 8u << 20;
  auto before = read_heap_usage();
  ASSERT_TRUE(before.has_value());
  auto block = std::make_unique<char[]>(size);
  std::memset(block.get(), 1, size);
  auto during = read_heap_usage();
  ASSERT_TRUE(during.has_value());
  EXPECT_GE(during->allocated, before->allocated + size);
  EXPECT_GE(during->heap, during->allocated);
}

} // namespace
} // namespace parley

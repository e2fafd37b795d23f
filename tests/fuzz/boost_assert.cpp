// The fuzzers build with Boost's assertions on (BOOST_ENABLE_ASSERT_HANDLER): a failed
// BOOST_ASSERT lands here and aborts like any crash, with one exception.
//
// Beast 1.74's chunked-body parser asserts `n >= 5` in parse_chunk_header, which a
// chunk header that arrives in small pieces ("0\r\n", then "\r", then "\n") breaks
// although the code after it handles the case (it asks for more bytes). The
// assertion is wrong, not the parser: upstream corrected it (boostorg/beast pull
// request 2861, 2024). Release builds (NDEBUG) never evaluate it. The http fuzzer
// found it; corpus/http/beast_chunk_header_assert replays the input.
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace boost {

void assertion_failed(char const* expr, char const* function, char const* file,
                      long line) {
  if (std::strcmp(expr, "n >= 5") == 0 && std::strstr(function, "parse_chunk_header"))
    return;
  std::fprintf(stderr, "%s:%ld: %s: Boost assertion failed: %s\n", file, line, function,
               expr);
  std::abort();
}

void assertion_failed_msg(char const* expr, char const* msg, char const* function,
                          char const* file, long line) {
  std::fprintf(stderr, "%s:%ld: %s: Boost assertion failed: %s (%s)\n", file, line,
               function, expr, msg);
  std::abort();
}

} // namespace boost

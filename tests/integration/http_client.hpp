#pragma once

// A blocking HTTP/1.1 client for integration tests (blob uploads and downloads):
// one request per connection, as the blob routes close after answering.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace parley::test {

struct http_reply {
  int status = 0; // 0: no response (the connection failed)
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// A header's value ("" when absent); names compare case-insensitively.
  std::string header(const std::string& name) const;
};

/// How the request body is sent.
enum class body_mode {
  length,      // Content-Length and the whole body
  chunked,     // Transfer-Encoding: chunked, in pieces of 64 KiB
  header_only, // Content-Length of the body, but only the header is sent
};

/// Sends `method target` to 127.0.0.1:`port` with a bearer `token` (none when
/// empty) and `body`, and reads the response.
http_reply http_call(std::uint16_t port, const std::string& method,
                     const std::string& target, const std::string& token,
                     const std::string& body = {}, body_mode mode = body_mode::length);

/// Percent-encodes a query value.
std::string url_encode(const std::string& value);

} // namespace parley::test

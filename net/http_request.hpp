#pragma once

#include <optional>
#include <string>
#include <string_view>

// The pure parts of reading an HTTP request (no I/O, no actors): what the routes take
// from its request line and headers. Beast parses the message itself; these read the
// values it hands over. Fuzzed with Beast's parser in tests/fuzz/http_fuzz.cpp.
namespace parley::net {

/// POST /v1/blobs (the path without its query).
bool is_blob_upload(std::string_view path);

/// GET /v1/blobs/<id>.
bool is_blob_download(std::string_view path);

/// The id part of a download path (what follows /v1/blobs/).
std::string_view blob_id_of(std::string_view path);

/// The path of a request target: everything before the first '?'.
std::string_view path_of(std::string_view target);

/// The token of an `Authorization: Bearer <token>` value (the scheme is
/// case-insensitive); nullopt for any other value.
std::optional<std::string_view> bearer_token(std::string_view authorization);

/// The percent-decoded value of query parameter `key` of `target` ('+' is a space),
/// if present and well-formed; the first occurrence counts.
std::optional<std::string> query_param(std::string_view target, std::string_view key);

/// `attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded>`
/// (RFC 6266): printable ASCII only, whatever the name holds.
std::string content_disposition(std::string_view name);

/// RFC 9112 section 6.1: a request body's length is known from Content-Length or
/// from a final `chunked` coding. Only `chunked` alone (or no Transfer-Encoding) is
/// accepted: with any other coding (`chunked, identity`, `gzip`) the length is
/// unknown, and reading on would take the rest of the body for a next request.
bool acceptable_transfer_encoding(std::string_view value);

} // namespace parley::net

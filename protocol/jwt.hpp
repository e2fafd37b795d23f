#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace parley::protocol {

/// The claims Parley reads from a token (docs/protocol.md §3).
struct token_claims {
  std::string sub;      // user id, or a service name for an admin token
  std::int64_t exp = 0; // expiry, seconds since the epoch
  bool admin = false;   // `adm`: may call admin.* ops
};

enum class token_error {
  malformed,       // not three base64url parts of JSON objects
  unsupported_alg, // header alg is not HS256 (including "none")
  bad_signature,
  missing_claim, // no string `sub` or no integer `exp`
  expired,
  too_long_lived, // valid for longer than the server's maximum lifetime
};

std::string_view to_string(token_error err);

/// A verification outcome: claims, or why the token is refused.
struct token_result {
  std::optional<token_claims> claims;
  token_error error = token_error::malformed;
};

/// Signs `claims` as an HS256 JWT with `secret`.
std::string sign_token(const token_claims& claims, std::string_view secret);

/// Verifies an HS256 JWT: structure, algorithm, signature (constant time), required
/// claims, and expiry against `now_seconds`. With `max_lifetime_seconds` > 0 a token
/// whose `exp` lies further ahead than that is refused: no token stays valid for
/// longer than the server allows, however it was signed.
token_result verify_token(std::string_view token, std::string_view secret,
                          std::int64_t now_seconds,
                          std::int64_t max_lifetime_seconds = 0);

/// base64url without padding, as JWTs use it.
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);

} // namespace parley::protocol

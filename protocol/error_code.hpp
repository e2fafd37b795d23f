#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace parley::protocol {

/// The error codes of a failed reply (docs/protocol.md, "Global rules").
enum class error_code {
  bad_request,
  unauthenticated,
  forbidden,
  not_found,
  conflict,
  too_large,
  rate_limited,
  blocked,
  window_closed,
  unavailable,
  internal,
};

inline constexpr error_code all_error_codes[] = {
    error_code::bad_request,  error_code::unauthenticated, error_code::forbidden,
    error_code::not_found,    error_code::conflict,        error_code::too_large,
    error_code::rate_limited, error_code::blocked,         error_code::window_closed,
    error_code::unavailable,  error_code::internal,
};

/// The wire name of a code, e.g. "not_found".
std::string_view to_string(error_code code);

/// Parses a wire name; nullopt for an unknown one.
std::optional<error_code> parse_error_code(std::string_view name);

/// An error reply's content: a code and a human-readable message.
struct failure {
  error_code code = error_code::internal;
  std::string message;
};

} // namespace parley::protocol

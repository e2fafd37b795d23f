#include "protocol/error_code.hpp"

namespace parley::protocol {

std::string_view to_string(error_code code) {
  switch (code) {
  case error_code::bad_request:
    return "bad_request";
  case error_code::unauthenticated:
    return "unauthenticated";
  case error_code::forbidden:
    return "forbidden";
  case error_code::not_found:
    return "not_found";
  case error_code::conflict:
    return "conflict";
  case error_code::too_large:
    return "too_large";
  case error_code::rate_limited:
    return "rate_limited";
  case error_code::blocked:
    return "blocked";
  case error_code::window_closed:
    return "window_closed";
  case error_code::unavailable:
    return "unavailable";
  case error_code::internal:
    return "internal";
  }
  return "internal";
}

std::optional<error_code> parse_error_code(std::string_view name) {
  for (auto code : all_error_codes)
    if (to_string(code) == name) return code;
  return std::nullopt;
}

} // namespace parley::protocol

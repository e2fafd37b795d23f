#include "protocol/records.hpp"

namespace parley::protocol {

const char* to_string(invite_status s) {
  switch (s) {
  case invite_status::pending:
    return "pending";
  case invite_status::accepted:
    return "accepted";
  case invite_status::ignored:
    return "ignored";
  case invite_status::revoked:
    return "revoked";
  }
  return "revoked";
}

std::optional<invite_status> parse_invite_status(std::string_view s) {
  for (auto v : {invite_status::pending, invite_status::accepted, invite_status::ignored,
                 invite_status::revoked})
    if (s == to_string(v)) return v;
  return std::nullopt;
}

} // namespace parley::protocol

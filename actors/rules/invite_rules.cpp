#include "actors/rules/invite_rules.hpp"

namespace parley::invite_rules {

using protocol::staff_role;
using protocol::user_kind;

send_verdict may_send(const protocol::user_info& user, const protocol::org_info* org) {
  if (user.kind != user_kind::staff) return send_verdict::not_staff;
  auto role = user.role.value_or(staff_role::member);
  if (role == staff_role::guest) return send_verdict::guest;
  if (!org || org->connect_policy == "none") return send_verdict::policy;
  if (org->connect_policy == "admins" && role != staff_role::owner &&
      role != staff_role::admin)
    return send_verdict::policy;
  if (org->connect_policy != "all" && org->connect_policy != "admins")
    return send_verdict::policy; // an unknown policy allows nobody
  // An email stored before admin.user.put validated it may not normalise.
  if (!user.email || !normalize_email(*user.email)) return send_verdict::no_email;
  return send_verdict::allowed;
}

bool may_accept(const protocol::user_info& user) {
  return user.kind == user_kind::staff &&
         user.role.value_or(staff_role::member) != staff_role::guest;
}

std::optional<std::string> normalize_email(std::string_view email) {
  auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == email.size() ||
      email.find('@', at + 1) != std::string_view::npos)
    return std::nullopt;
  std::string out;
  out.reserve(email.size());
  for (char c : email) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return std::nullopt;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    out += c;
  }
  return out;
}

} // namespace parley::invite_rules

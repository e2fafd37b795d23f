#include "actors/rules/search_rules.hpp"

#include "actors/rules/visibility.hpp"

namespace parley::search_rules {

std::optional<scope> parse_scope(std::string_view name) {
  if (name == "messages") return scope::messages;
  if (name == "comments") return scope::comments;
  if (name == "contacts") return scope::contacts;
  return std::nullopt;
}

bool may_search(const protocol::user_info& user, scope s) {
  bool staff = user.kind == protocol::user_kind::staff;
  switch (s) {
  case scope::messages:
    return true;
  case scope::comments:
    return visibility::sees_internal(&user); // the rule of every other path

  case scope::contacts:
    return staff && user.role != protocol::staff_role::guest;
  }
  return false;
}

bool has_word(std::string_view q) {
  for (unsigned char c : q)
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        c >= 0x80)
      return true;
  return false;
}

} // namespace parley::search_rules

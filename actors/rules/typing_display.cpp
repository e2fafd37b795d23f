#include "actors/rules/typing_display.hpp"

namespace parley::typing_display {

using protocol::user_kind;

std::string_view to_string(shown_kind kind) {
  return kind == shown_kind::ai ? "ai" : "human";
}

shown_kind kind_of(std::optional<user_kind> kind) {
  return kind == user_kind::ai ? shown_kind::ai : shown_kind::human;
}

bool is_agent(std::optional<user_kind> kind) {
  return kind == user_kind::staff || kind == user_kind::ai;
}

shown_typist shown_to(std::optional<user_kind> viewer, std::string_view typist,
                      std::optional<user_kind> typist_kind, const alias_settings& org) {
  bool hide = viewer == user_kind::contact && org.display_as_alias &&
              !org.alias.empty() && typist != org.alias && is_agent(typist_kind);
  if (!hide) return {typist, kind_of(typist_kind), false};
  // The alias's own kind, so a contact cannot tell an AI agent from a human one
  // by the push.
  return {org.alias, kind_of(org.alias_kind), true};
}

} // namespace parley::typing_display

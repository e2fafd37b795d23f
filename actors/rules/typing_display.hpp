#pragma once

#include <optional>
#include <string_view>

#include "protocol/types.hpp"

// Whom a typing push names, per viewer (docs/protocol.md §7): "a contact sees
// agents' typing as the alias's when `display_as_alias` is set". Pure: no CAF; the
// conversation actor gathers the directory facts and asks per recipient.
namespace parley::typing_display {

/// The `kind` field of a typing push.
enum class shown_kind { human, ai };

std::string_view to_string(shown_kind kind);

/// `ai` for an `ai` user; `human` for every other kind and for a user the directory
/// does not know (nullopt).
shown_kind kind_of(std::optional<protocol::user_kind> kind);

/// The organisation settings the alias rule reads (docs/protocol.md §4).
struct alias_settings {
  bool display_as_alias = false;
  std::string_view alias; // the alias user's id; empty: the org has none
  /// The alias user's kind; nullopt: `alias` names a user not provisioned (yet).
  std::optional<protocol::user_kind> alias_kind;
};

/// What one viewer is shown about one typist.
struct shown_typist {
  std::string_view user;
  shown_kind kind = shown_kind::human;
  bool as_alias = false; // true: the alias stands in for the real typist
};

/// True for the org's agents, whose typing a contact may see as the alias's: its
/// staff and its `ai` users (not the alias itself, which is shown as itself anyway).
bool is_agent(std::optional<protocol::user_kind> kind);

/// Whom a viewer of kind `viewer` is shown when `typist` (of kind `typist_kind`,
/// nullopt: unknown to the directory) types in a conversation of the org with
/// settings `org`. Only a contact, only an agent's typing, only with
/// `display_as_alias` set and an alias named; everyone else sees the real typist.
/// The returned views point into `typist` and `org.alias`.
shown_typist shown_to(std::optional<protocol::user_kind> viewer, std::string_view typist,
                      std::optional<protocol::user_kind> typist_kind,
                      const alias_settings& org);

} // namespace parley::typing_display

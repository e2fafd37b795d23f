#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/types.hpp"

// Who may take part in cross-organisation direct messages (docs/protocol.md §8):
// pure functions, no CAF, no libpq. The session asks them at the moment of each
// invite.send and invite.accept.
namespace parley::invite_rules {

/// Why a user may not send an invitation, if it may not.
enum class send_verdict {
  allowed,
  not_staff, // clients, contacts, ai and bot users never invite
  guest,     // guests may neither send nor accept
  policy,    // the org's connect_policy (`none`, or `admins` for a member)
  no_email,  // an inviter needs an email: the invitee's block list holds emails
};

/// Whether `user` (of `org`; nullptr: unknown org) may send an invitation.
send_verdict may_send(const protocol::user_info& user, const protocol::org_info* org);

/// Whether `user` may accept an invitation addressed to it: staff other than guests.
bool may_accept(const protocol::user_info& user);

/// An email as the server compares it: ASCII letters lower-cased, nothing else
/// changed. Nullopt when it cannot be an address (no `@` with text on both sides,
/// or whitespace/control characters).
std::optional<std::string> normalize_email(std::string_view email);

} // namespace parley::invite_rules

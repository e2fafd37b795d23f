#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/records.hpp"
#include "storage/db_result.hpp"
#include "storage/pg.hpp"

// SQL for cross-organisation invitations and block lists (docs/protocol.md §8).
// Emails are compared lower-case; the callers lower-case what they pass.
namespace parley::storage {

// Plain records the actors carry too (protocol/records.hpp).
using protocol::invitation;
using protocol::invite_outcome;
using protocol::invite_status;
using protocol::parse_invite_status;
using protocol::to_string;

/// What invite.send stores; the invitee is looked up by email.
struct new_invitation {
  std::string id;
  std::string from_user;
  std::string from_org;
  std::string from_email;
  std::string to_email;
  std::string note;
  std::int64_t ts = 0;
};

/// Stores an invitation addressed to the staff user of another org with `to_email`
/// (the smallest id when several share it), delivered unless nobody qualifies or
/// that user blocked `from_email`. Returns the stored row.
db_result<invitation> create_invitation(pg::connection& db, const new_invitation& n);

struct invite_change {
  invite_outcome outcome = invite_outcome::not_found;
  invitation row;       // the invitation after the change (when found)
  bool created = false; // accept: this call created the conversation
};

/// The inviter withdraws a pending invitation (for the inviter, an ignored or
/// undelivered one is pending too). Revoking a revoked one is done; an accepted one
/// is a conflict.
db_result<invite_change> revoke_invitation(pg::connection& db, const std::string& id,
                                           const std::string& from_user,
                                           std::int64_t now);

/// The invitee accepts: in one transaction the invitation becomes accepted and the
/// direct conversation `conv` (org: the inviter's, peer_org: the invitee's) is
/// created with both as participants. An accepted invitation answers its
/// conversation again; an ignored or revoked one, or one not delivered to
/// `to_user`, is not_found.
db_result<invite_change> accept_invitation(pg::connection& db, const std::string& id,
                                           const std::string& to_user,
                                           const std::string& conv, std::int64_t now);

/// The invitee ignores a pending invitation; with `block`, the inviter's email joins
/// the invitee's block list and every pending invitation from it is ignored too.
/// An accepted invitation is a conflict; a revoked one not_found.
db_result<invite_change> ignore_invitation(pg::connection& db, const std::string& id,
                                           const std::string& to_user, bool block,
                                           std::int64_t now);

/// The newest `limit` invitations `user` sent (every status), newest first.
db_result<std::vector<invitation>>
sent_invitations(pg::connection& db, const std::string& user, std::uint64_t limit);

/// The newest `limit` pending invitations delivered to `user`, newest first.
db_result<std::vector<invitation>>
received_invitations(pg::connection& db, const std::string& user, std::uint64_t limit);

/// `user`'s blocked emails, sorted.
db_result<std::vector<std::string>> blocked_emails(pg::connection& db,
                                                   const std::string& user);

/// Removes `email` from `user`'s block list (absent: nothing happens).
db_result<bool> unblock_email(pg::connection& db, const std::string& user,
                              const std::string& email);

} // namespace parley::storage

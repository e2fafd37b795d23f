#pragma once

// The values sessions and db workers exchange for cross-organisation invitations
// and block lists (docs/protocol.md §8), with their `inspect` overloads.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/api/inspect.hpp"
#include "actors/api/messages.hpp"
#include "protocol/records.hpp"

namespace parley {

/// conv.end {conv}: who ends which conversation (the shape of a conv.get).
using end_request = get_request;

/// What an invite_request asks the database to do.
enum class invite_op : std::uint8_t {
  send,     // store a new invitation (`invitation` is its id)
  revoke,   // the inviter withdraws `invitation`
  accept,   // the invitee accepts `invitation`, creating direct conversation `conv`
  ignore,   // the invitee ignores `invitation` (and blocks its sender with `block`)
  sent,     // the newest `limit` invitations `user` sent
  received, // the newest `limit` pending invitations delivered to `user`
  blocks,   // `user`'s blocked emails
  unblock,  // remove `email` from `user`'s block list
};

struct invite_request {
  std::uint8_t op = 0; // invite_op
  std::string user;    // the caller
  std::string invitation;
  std::string conv;
  std::string email;      // send: the invitee's; unblock: the one to remove
  std::string from_org;   // send
  std::string from_email; // send
  std::string note;       // send ("": none)
  bool block = false;     // ignore
  std::uint64_t limit = 0;
  std::int64_t ts = 0;
};

struct invite_result {
  bool failed = false;      // the database could not be reached or refused
  std::uint8_t outcome = 0; // protocol::invite_outcome for revoke/accept/ignore
  bool created = false;     // accept: this request created the conversation
  std::vector<protocol::invitation> items;
  std::vector<std::string> emails;
};

PARLEY_INSPECT(invite_request, x.op, x.user, x.invitation, x.conv, x.email, x.from_org,
               x.from_email, x.note, x.block, x.limit, x.ts);
PARLEY_INSPECT(invite_result, x.failed, x.outcome, x.created, x.items, x.emails);

} // namespace parley

namespace parley::protocol {

PARLEY_INSPECT(invitation, x.id, x.from_user, x.from_org, x.from_email, x.from_name,
               x.to_email, x.to_user, x.note, x.delivered, x.status, x.conv, x.ts);

} // namespace parley::protocol

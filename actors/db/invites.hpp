#pragma once

// The db worker's side of invitations and block lists (actors/db/invites.cpp).

#include "actors/api/invite_messages.hpp"
#include "storage/pg.hpp"

namespace parley {

/// Runs one invite_request on `db` (a db worker's connection).
invite_result run_invite_request(storage::pg::connection& db, const invite_request& q);

} // namespace parley

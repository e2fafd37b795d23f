#pragma once

// The db worker's side of inbox.list: the request as a storage query, and the
// read itself (actors/db/inbox_reads.cpp).

#include "actors/api/inbox_messages.hpp"
#include "storage/inbox_queries.hpp"
#include "storage/pg.hpp"

namespace parley {

/// The storage query of a request.
storage::inbox_query storage_query(const inbox_request& r);

/// Reads the page and the caller's unread counts on `db` (a db worker's connection).
inbox_result run_inbox_request(storage::pg::connection& db, const inbox_request& r);

} // namespace parley

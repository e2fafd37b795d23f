#pragma once

// The db worker's side of search (actors/db/search.cpp).

#include "actors/api/search_messages.hpp"
#include "storage/pg.hpp"

namespace parley {

/// Runs one search_request on `db` (a db worker's connection).
search_result run_search_request(storage::pg::connection& db, const search_request& q);

} // namespace parley

#pragma once

#include "actors/api/inbox_view_messages.hpp"
#include "storage/pg.hpp"

namespace parley {

/// Runs one custom-inbox request on `db` (a db worker's connection): reads and
/// writes views and counts; who may do what is decided by the session with
/// actors/rules/inbox_view_rules.hpp on what this returns.
inbox_view_answer run_inbox_view_call(storage::pg::connection& db,
                                      const inbox_view_call& c);

} // namespace parley

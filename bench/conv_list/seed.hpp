#pragma once

#include <cstddef>

#include <libpq-fe.h>

#include "bench/conv_list/org_model.hpp"
#include "bench/conv_list/sync_client.hpp"

// Seeding the org: the directory through the server's admin ops (so the running
// server's directory cache has it at once and validates it like any host
// application's), the conversations and participants straight into PostgreSQL with
// COPY, as only a bench may (the server never sees them created; conv.list reads
// them from SQL and the conversation actors load them on demand).
namespace parley::bench::conv_list {

/// admin.org.put, admin.company.put, admin.user.put and admin.favorites.set for
/// every company and user of `m`, one at a time, on an admin connection.
void seed_directory(sync_client& admin, const org_model& m);

struct seed_counts {
  std::size_t conversations = 0;
  std::size_t participants = 0;
};

/// Replaces the org's conversations (and their participants and messages) with
/// those of `m` in one transaction, then VACUUM (ANALYZE)s the tables conv.list reads.
seed_counts seed_conversations(PGconn* db, const org_model& m);

} // namespace parley::bench::conv_list

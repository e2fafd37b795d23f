#pragma once

// Custom inboxes and inbox.counts (docs/protocol.md §9, "Custom inboxes"), and the
// page path inbox.list shares with `custom:<id>` views.

#include <cstdint>
#include <optional>
#include <string>

#include "actors/node/directory.hpp"
#include "actors/rules/inbox_rules.hpp"
#include "actors/session/session.hpp"

namespace parley {

/// Reads one page of `q` for `me` on a db worker and replies with it (inbox.cpp):
/// the one path of every inbox.list, built-in or custom.
void send_inbox_page(session_self self, std::uint64_t rid, const inbox_rules::query& q,
                     const protocol::user_info& me);

/// inbox.list {view: "custom:<id>", limit?, cursor?} for `me` (an agent, already
/// checked): the saved view's filters, or `not_found` when `me` may not see it.
void list_custom_view(session_self self, std::uint64_t rid, directory::user_ptr me,
                      std::string id, std::optional<std::int64_t> limit,
                      std::optional<std::string> cursor);

void op_inbox_views_put(session_self self, const protocol::request& req,
                        std::uint64_t rid);
void op_inbox_views_list(session_self self, const protocol::request& req,
                         std::uint64_t rid);
void op_inbox_views_remove(session_self self, const protocol::request& req,
                           std::uint64_t rid);
void op_inbox_counts(session_self self, const protocol::request& req, std::uint64_t rid);

} // namespace parley

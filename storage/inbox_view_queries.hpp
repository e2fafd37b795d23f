#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "storage/db_result.hpp"
#include "storage/pg.hpp"

// SQL of custom inboxes and inbox.counts (docs/protocol.md §9, migration 012):
// saved views, the teams a user belongs to, and the grouped counts of an org's open
// support conversations. Who may see or change a view, and what each view counts,
// are decided by actors/rules/inbox_view_rules.hpp; this only reads and writes.
namespace parley::storage {

/// A saved view as stored (enumerations as their wire text).
struct inbox_view_row {
  std::string id;
  std::string org;
  std::string owner;
  std::string name;
  std::string base;
  std::string status;
  std::optional<bool> unreplied;
  std::string sort;
  std::optional<std::string> team; // shared with
  std::int64_t created_at = 0;
};

/// The view `id` of `org`, if there is one.
db_result<std::optional<inbox_view_row>>
get_inbox_view(pg::connection& db, const std::string& org, const std::string& id);

/// `user`'s own views in `org` and those shared with one of `teams`.
db_result<std::vector<inbox_view_row>>
list_inbox_views(pg::connection& db, const std::string& org, const std::string& user,
                 const std::vector<std::string>& teams);

/// The teams of `org` that `user` belongs to, by id.
db_result<std::vector<std::string>>
member_teams(pg::connection& db, const std::string& org, const std::string& user);

/// What a create or replace did.
enum class view_write { done, not_owned, limit };

struct view_write_result {
  view_write outcome = view_write::done;
  inbox_view_row row; // done: as stored
};

/// Creates `v` (its id is new) unless its owner already has `max_views` views;
/// owners' creates are serialised by a lock on the owner's user row, so two at once
/// cannot pass the limit together.
db_result<view_write_result> create_inbox_view(pg::connection& db,
                                               const inbox_view_row& v,
                                               std::uint64_t max_views, std::int64_t now);

/// Replaces the fields of view `v.id` when `v.owner` owns it in `v.org`
/// (created_at kept); `not_owned` otherwise.
db_result<view_write_result>
replace_inbox_view(pg::connection& db, const inbox_view_row& v, std::int64_t now);

/// Removes view `id` when `owner` owns it in `org`; false otherwise.
db_result<bool> remove_inbox_view(pg::connection& db, const std::string& org,
                                  const std::string& owner, const std::string& id);

/// The open support conversations of `org` outside blocked contacts, counted per
/// (assignee as `viewer` sees it, team, unreplied, unread by `viewer`).
/// `assignee`: nullopt none, `viewer` the viewer, "" anyone else. `unread`: a message
/// by someone other than `viewer` after its read marker (internal ones included:
/// only staff count), as inbox.list's `unread > 0`.
struct open_count_group {
  std::optional<std::string> assignee;
  std::optional<std::string> team;
  bool unreplied = false;
  bool unread = false;
  std::uint64_t n = 0;
};

/// The statement count_open_groups runs, in a transaction with `SET LOCAL jit =
/// off` (for EXPLAIN in bench/inbox_counts): rows (assignee, team, unreplied,
/// count, count of the unread).
extern const char* const open_count_groups_sql;

db_result<std::vector<open_count_group>>
count_open_groups(pg::connection& db, const std::string& org, const std::string& viewer);

} // namespace parley::storage

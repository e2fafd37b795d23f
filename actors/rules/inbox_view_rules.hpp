#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/rules/inbox_rules.hpp"
#include "protocol/error_code.hpp"
#include "protocol/types.hpp"

// Custom inboxes and inbox.counts (docs/protocol.md §9, "Custom inboxes"): what a
// saved view may hold, who sees and changes it, how it becomes an inbox.list query
// (the very query inbox.list parses, so both paths filter alike), and how the
// counts of every view are folded from the database's grouped counts. Pure: no CAF,
// no libpq.
namespace parley::inbox_view_rules {

/// Bounds (documented in docs/protocol.md): a name is 1..200 bytes of UTF-8, not
/// blank; an owner keeps at most 100 views.
inline constexpr std::size_t max_name_bytes = 200;
inline constexpr std::uint64_t max_views_per_owner = 100;

/// A view id is 'v' and 26 characters of a-z2-7 (protocol::random_id).
inline constexpr char id_prefix = 'v';
bool is_view_id(std::string_view id);

/// The wire name of a status filter (`all`, `open`, `closed`, `snoozed`).
std::string_view status_text(inbox_rules::status_filter s);

/// A saved view as stored.
struct saved_view {
  std::string id;
  std::string org;
  std::string owner;
  std::string name;
  std::string base; // "all" | "mine" | "unassigned" | "team:<id>"
  inbox_rules::status_filter status = inbox_rules::status_filter::all;
  std::optional<bool> unreplied; // nullopt: no filter
  inbox_rules::sort_order sort = inbox_rules::sort_order::newest;
  std::optional<std::string> team; // shared with this team; nullopt: private
  std::int64_t created_at = 0;
};

/// The `view` map of inbox.views.put as decoded (types already checked; absent and
/// nil are both nullopt).
struct raw_view {
  std::optional<std::string> id;
  std::optional<std::string> name;
  std::optional<std::string> base;
  std::optional<std::string> status;
  std::optional<bool> unreplied;
  std::optional<std::string> sort;
  std::optional<std::string> team;
};

/// A validated put: the view's fields (id empty: create) and, for a `team:<id>`
/// base, that team (the session checks it and `view.team` against the directory).
struct parsed_view {
  std::optional<protocol::failure> error;
  saved_view view;
  std::optional<std::string> base_team;
  bool ok() const { return !error.has_value(); }
};

/// Validates inbox.views.put's `view`: `name` and `base` required; `status` default
/// `all`, `sort` default `newest`, `unreplied` absent = no filter; `id` a view id
/// (else `not_found`: it can name no view); `team` an id of 1..128 bytes.
parsed_view parse_view(const raw_view& raw);

/// The id of a `custom:<id>` inbox.list view; nullopt for every other view.
std::optional<std::string_view> custom_id(std::string_view view);

/// The wire name of a view in inbox.counts (`custom:<id>`).
std::string custom_name(std::string_view id);

/// What a caller may do with a view: nothing (it answers `not_found`, so its
/// existence is not revealed), read it (shared with one of the caller's teams), or
/// everything (its owner).
enum class access { none, read, own };

/// `caller_teams`: the teams the caller belongs to. `owner_active`: the owner is
/// still staff of the view's org other than a guest; a view is shared only while
/// it is (its owner, demoted, cannot change it any more either).
access access_of(const saved_view& v, const protocol::user_info& caller,
                 const std::vector<std::string>& caller_teams, bool owner_active);

/// The order of inbox.views.list and of the custom rows of inbox.counts: the
/// caller's own views first, then the shared ones, each oldest first (id breaks
/// ties). Replacing a view keeps its place.
void order_views(std::vector<saved_view>& views, std::string_view caller);

/// The inbox.list query of a saved view with the request's `limit` and `cursor`
/// (validated exactly as inbox.list validates them, against the view's sort).
inbox_rules::parsed resolve(const saved_view& v, std::optional<std::int64_t> limit,
                            std::optional<std::string> cursor);

/// The database's counts of the org's open support conversations outside blocked
/// contacts, grouped by what the views filter on. `assignee`: nullopt when none,
/// the caller's id when the caller, "" for anyone else (no user id is empty).
struct count_group {
  std::optional<std::string> assignee;
  std::optional<std::string> team;
  bool unreplied = false;
  bool unread = false; // the caller has messages to read in them
  std::uint64_t n = 0;
};

/// One row of inbox.counts.
struct view_count {
  std::string view;
  std::uint64_t open = 0;
  std::uint64_t unread = 0;
  bool operator==(const view_count&) const = default;
};

/// The views counted, in reply order: `all`, `mine`, `unassigned`, each
/// `team:<id>` of `teams` (sorted by id), then each custom view of `custom` in its
/// order (as order_views leaves it).
struct count_target {
  std::string view;
  inbox_rules::query q;
};
std::vector<count_target> count_targets(std::vector<std::string> teams,
                                        const std::vector<saved_view>& custom);

/// Folds the groups into each target's counts: `open` = the open conversations the
/// view's filters (inbox_rules::matches) keep, `unread` = those of them with
/// messages for the caller to read. A view saved with status closed or snoozed
/// keeps no open conversation: 0 and 0.
std::vector<view_count> fold_counts(const std::vector<count_target>& targets,
                                    const std::vector<count_group>& groups,
                                    std::string_view caller);

} // namespace parley::inbox_view_rules

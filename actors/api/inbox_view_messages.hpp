#pragma once

// The values a session and a db worker exchange for custom inboxes and inbox.counts
// (docs/protocol.md §9, "Custom inboxes"), with their `inspect` overloads. Plain
// fields only (no storage types), so the vocabulary stays free of the
// database; actors/db/inbox_views.cpp translates.

#include <cstdint>
#include <string>
#include <vector>

#include "actors/api/inspect.hpp"

namespace parley {

/// A saved view in plain fields (enumerations as their wire text).
struct inbox_view_value {
  std::string id; // empty in a create
  std::string org;
  std::string owner;
  std::string name;
  std::string base;
  std::string status;
  std::uint8_t unreplied = 0; // 0 no filter, 1 false, 2 true
  std::string sort;
  std::string team; // shared with; empty: private
  std::int64_t created_at = 0;
};

/// What a db worker is asked about views.
enum class inbox_view_op : std::uint8_t {
  get,    // view `view.id` of `org`, and the caller's teams
  list,   // the views the caller may see (own, or shared with its teams), its teams
  put,    // create (`view.id` empty) or replace the caller's own view
  remove, // remove the caller's own view `view.id`
  counts, // list, plus the grouped counts of the org's open support conversations
};

struct inbox_view_call {
  std::uint8_t op = 0; // inbox_view_op
  std::string org;     // the caller's org: nothing else is read or written
  std::string user;    // the caller
  inbox_view_value view;
  std::uint64_t max_views = 0; // put: the owner's limit
};

/// What a put or remove did.
enum class inbox_view_outcome : std::uint8_t {
  done,
  missing, // no such view of the caller's (put, remove) or none at all (get);
           // `views` holds the view of that id in the org, if any, for the rules
  limit,   // put: the owner already has max_views views
};

/// One group of the org's open support conversations (storage::open_count_group).
struct inbox_count_row {
  bool assigned = false;
  std::string assignee; // the caller's id, or "" for anyone else
  bool has_team = false;
  std::string team;
  bool unreplied = false;
  bool unread = false;
  std::uint64_t n = 0;
};

struct inbox_view_answer {
  bool failed = false;
  std::uint8_t outcome = 0; // inbox_view_outcome
  std::vector<inbox_view_value> views;
  std::vector<std::string> teams; // the caller's teams in its org (get, list, counts)
  std::vector<inbox_count_row> groups;
};

PARLEY_INSPECT(inbox_view_value, x.id, x.org, x.owner, x.name, x.base, x.status,
               x.unreplied, x.sort, x.team, x.created_at);
PARLEY_INSPECT(inbox_view_call, x.op, x.org, x.user, x.view, x.max_views);
PARLEY_INSPECT(inbox_count_row, x.assigned, x.assignee, x.has_team, x.team, x.unreplied,
               x.unread, x.n);
PARLEY_INSPECT(inbox_view_answer, x.failed, x.outcome, x.views, x.teams, x.groups);

} // namespace parley

// The database side of custom inboxes and inbox.counts (docs/protocol.md §9): the
// view rows and the caller's teams, a create under the owner's limit, an owner's
// replace or remove (and, when that finds nothing of the caller's, the view of
// that id for the session's not_found / forbidden decision), and the grouped counts.
#include "actors/db/inbox_views.hpp"

#include <chrono>

#include "protocol/random_id.hpp"
#include "storage/inbox_view_queries.hpp"

namespace parley {

namespace {

inbox_view_value value_of(storage::inbox_view_row r) {
  inbox_view_value v;
  v.id = std::move(r.id);
  v.org = std::move(r.org);
  v.owner = std::move(r.owner);
  v.name = std::move(r.name);
  v.base = std::move(r.base);
  v.status = std::move(r.status);
  v.unreplied = r.unreplied ? (*r.unreplied ? 2 : 1) : 0;
  v.sort = std::move(r.sort);
  v.team = r.team.value_or("");
  v.created_at = r.created_at;
  return v;
}

storage::inbox_view_row row_of(const inbox_view_value& v) {
  storage::inbox_view_row r;
  r.id = v.id;
  r.org = v.org;
  r.owner = v.owner;
  r.name = v.name;
  r.base = v.base;
  r.status = v.status;
  if (v.unreplied != 0) r.unreplied = v.unreplied == 2;
  r.sort = v.sort;
  if (!v.team.empty()) r.team = v.team;
  return r;
}

/// Wall-clock milliseconds: a view's created_at orders views.
std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// Reads the caller's teams into `out`; false when the database failed.
bool read_teams(storage::pg::connection& db, const inbox_view_call& c,
                inbox_view_answer& out) {
  auto t = storage::member_teams(db, c.org, c.user);
  if (!t.ok()) return false;
  out.teams = std::move(*t.value);
  return true;
}

/// The view of `id` in the caller's org (for the session's rules), into `out`.
bool read_view(storage::pg::connection& db, const inbox_view_call& c,
               const std::string& id, inbox_view_answer& out) {
  auto v = storage::get_inbox_view(db, c.org, id);
  if (!v.ok()) return false;
  if (*v.value) out.views.push_back(value_of(std::move(**v.value)));
  return read_teams(db, c, out);
}

bool run(storage::pg::connection& db, const inbox_view_call& c, inbox_view_answer& out) {
  switch (static_cast<inbox_view_op>(c.op)) {
  case inbox_view_op::get:
    if (!read_view(db, c, c.view.id, out)) return false;
    if (out.views.empty())
      out.outcome = static_cast<std::uint8_t>(inbox_view_outcome::missing);
    return true;
  case inbox_view_op::list:
  case inbox_view_op::counts: {
    if (!read_teams(db, c, out)) return false;
    auto views = storage::list_inbox_views(db, c.org, c.user, out.teams);
    if (!views.ok()) return false;
    for (auto& r : *views.value)
      out.views.push_back(value_of(std::move(r)));
    if (static_cast<inbox_view_op>(c.op) == inbox_view_op::list) return true;
    auto groups = storage::count_open_groups(db, c.org, c.user);
    if (!groups.ok()) return false;
    for (auto& g : *groups.value)
      out.groups.push_back({g.assignee.has_value(), g.assignee.value_or(""),
                            g.team.has_value(), g.team.value_or(""), g.unreplied,
                            g.unread, g.n});
    return true;
  }
  case inbox_view_op::put: {
    auto row = row_of(c.view);
    row.org = c.org;
    row.owner = c.user;
    bool create = row.id.empty();
    if (create) row.id = protocol::random_id('v');
    auto w = create ? storage::create_inbox_view(db, row, c.max_views, wall_ms())
                    : storage::replace_inbox_view(db, row, wall_ms());
    if (!w.ok()) return false;
    switch (w.value->outcome) {
    case storage::view_write::done:
      out.views.push_back(value_of(std::move(w.value->row)));
      return true;
    case storage::view_write::limit:
      out.outcome = static_cast<std::uint8_t>(inbox_view_outcome::limit);
      return true;
    case storage::view_write::not_owned:
      out.outcome = static_cast<std::uint8_t>(inbox_view_outcome::missing);
      return read_view(db, c, row.id, out);
    }
    return false;
  }
  case inbox_view_op::remove: {
    auto r = storage::remove_inbox_view(db, c.org, c.user, c.view.id);
    if (!r.ok()) return false;
    if (*r.value) return true;
    out.outcome = static_cast<std::uint8_t>(inbox_view_outcome::missing);
    return read_view(db, c, c.view.id, out);
  }
  }
  return false;
}

} // namespace

inbox_view_answer run_inbox_view_call(storage::pg::connection& db,
                                      const inbox_view_call& c) {
  inbox_view_answer out;
  if (!run(db, c, out)) {
    out = inbox_view_answer{};
    out.failed = true;
  }
  return out;
}

} // namespace parley

// The database side of inbox.list: the parsed query as a storage query, one page
// read with index walks, then the caller's unread counts in the page's
// conversations (computed as conv.list computes them).
#include "actors/db/inbox_reads.hpp"

#include "actors/rules/inbox_view_rules.hpp"
#include "storage/read_queries.hpp"

namespace parley {

namespace {

storage::inbox_view view_of(inbox_rules::view_kind v) {
  switch (v) {
  case inbox_rules::view_kind::all:
    return storage::inbox_view::all;
  case inbox_rules::view_kind::mine:
    return storage::inbox_view::mine;
  case inbox_rules::view_kind::unassigned:
    return storage::inbox_view::unassigned;
  case inbox_rules::view_kind::team:
    return storage::inbox_view::team;
  case inbox_rules::view_kind::blocked:
    return storage::inbox_view::blocked;
  }
  return storage::inbox_view::all;
}

storage::inbox_sort sort_of(inbox_rules::sort_order s) {
  switch (s) {
  case inbox_rules::sort_order::newest:
    return storage::inbox_sort::newest;
  case inbox_rules::sort_order::oldest:
    return storage::inbox_sort::oldest;
  case inbox_rules::sort_order::longest:
    return storage::inbox_sort::longest;
  case inbox_rules::sort_order::shortest:
    return storage::inbox_sort::shortest;
  }
  return storage::inbox_sort::newest;
}

} // namespace

inbox_request make_inbox_request(const inbox_rules::query& q, std::string org,
                                 std::string user, bool sees_internal) {
  inbox_request r;
  r.org = std::move(org);
  r.user = std::move(user);
  r.sees_internal = sees_internal;
  r.view = static_cast<std::uint8_t>(view_of(q.view));
  r.team = q.team;
  // The request carries no status filter as "" (every status).
  if (q.status != inbox_rules::status_filter::all)
    r.status = std::string{inbox_view_rules::status_text(q.status)};
  r.unreplied = q.unreplied ? (*q.unreplied ? 2 : 1) : 0;
  r.sort = static_cast<std::uint8_t>(sort_of(q.sort));
  r.limit = q.limit;
  if (q.after) {
    r.has_after = true;
    r.after_has_key = q.after->key.has_value();
    r.after_key = q.after->key.value_or(0);
    r.after_id = q.after->id;
  }
  return r;
}

storage::inbox_query storage_query(const inbox_request& r) {
  storage::inbox_query q;
  q.org = r.org;
  q.viewer = r.user;
  q.view = static_cast<storage::inbox_view>(r.view);
  q.team = r.team;
  if (!r.status.empty()) q.status = r.status;
  if (r.unreplied != 0) q.unreplied = r.unreplied == 2;
  q.sort = static_cast<storage::inbox_sort>(r.sort);
  q.limit = r.limit;
  if (r.has_after) {
    storage::inbox_position p;
    if (r.after_has_key) p.key = r.after_key;
    p.id = r.after_id;
    q.after = std::move(p);
  }
  return q;
}

inbox_rules::item rule_item(const protocol::conversation& c, bool contact_blocked) {
  inbox_rules::item it;
  it.id = c.id;
  it.last_activity_ts = c.last_ts;
  it.contact_blocked = contact_blocked;
  if (c.support) {
    const auto& s = *c.support;
    it.status =
        support_rules::parse_status(s.status).value_or(support_rules::status::open);
    it.assignee = s.assignee;
    it.team = s.team;
    it.unreplied = s.unreplied;
    it.last_contact_ts = s.last_contact_ts;
  }
  return it;
}

inbox_result run_inbox_request(storage::pg::connection& db, const inbox_request& r) {
  inbox_result out;
  auto page = storage::list_inbox(db, storage_query(r));
  if (!page.ok()) {
    out.failed = true;
    return out;
  }
  std::vector<std::string> ids;
  for (const auto& c : page.value->items)
    ids.push_back(c.id);
  auto unread = storage::unread_counts(db, r.user, r.sees_internal, ids);
  if (!unread.ok()) {
    out.failed = true;
    return out;
  }
  for (const auto& id : ids) {
    auto i = unread.value->find(id);
    out.unread.push_back(i == unread.value->end() ? 0 : i->second);
  }
  out.items = std::move(page.value->items);
  out.more = page.value->more;
  return out;
}

} // namespace parley

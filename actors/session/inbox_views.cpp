// Custom inboxes and inbox.counts (docs/protocol.md §9, "Custom inboxes"). A db
// worker reads and writes the views (actors/db/inbox_views.cpp); every decision —
// who sees or changes a view, what a view lists, what each count holds — is a pure
// rule of actors/rules/inbox_view_rules.hpp applied here to what it returns.
#include "actors/session/inbox_views.hpp"

#include <vector>

#include "actors/api/inbox_view_messages.hpp"
#include "actors/node/replies.hpp"
#include "actors/rules/inbox_view_rules.hpp"
#include "actors/rules/support_rules.hpp"

namespace parley {

namespace {

using protocol::error_code;
namespace rules = inbox_view_rules;

/// Longest string argument read before the rules look at it: enough for every
/// valid value (a name is at most 200 bytes), so a longer one gets the rules'
/// message rather than a generic length error.
constexpr std::size_t max_arg_bytes = 1024;

/// The caller, when it may work with views (staff other than guests); otherwise
/// the error is sent and nullptr returned.
directory::user_ptr agent(session_self self, std::uint64_t rid) {
  auto& st = self->state;
  if (!st.is_user) {
    send_error(self, rid, error_code::forbidden, "a service token cannot act as a user");
    return nullptr;
  }
  auto me = st.svc.dir->user(st.subject);
  if (!me) {
    send_error(self, rid, error_code::unauthenticated, "user no longer exists");
    return nullptr;
  }
  if (!inbox_rules::may_list(*me)) {
    send_error(self, rid, error_code::forbidden,
               "only staff other than guests have inbox views");
    return nullptr;
  }
  return me;
}

std::optional<std::string> text(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>{std::string{*v}} : std::nullopt;
}

/// A stored view as the rules see it; nullopt for a row the rules would not
/// accept (never written by this server).
std::optional<rules::saved_view> saved_of(const inbox_view_value& v) {
  rules::raw_view raw;
  raw.id = v.id;
  raw.name = v.name;
  raw.base = v.base;
  raw.status = v.status;
  if (v.unreplied != 0) raw.unreplied = v.unreplied == 2;
  raw.sort = v.sort;
  if (!v.team.empty()) raw.team = v.team;
  auto p = rules::parse_view(raw);
  if (!p.ok()) return std::nullopt;
  p.view.org = v.org;
  p.view.owner = v.owner;
  p.view.created_at = v.created_at;
  return std::move(p.view);
}

/// Whether a view's owner is still staff of the view's org other than a guest.
bool owner_active(const directory& dir, const rules::saved_view& v) {
  auto owner = dir.user(v.owner);
  return owner && owner->org == v.org && inbox_rules::may_list(*owner);
}

rules::access access_to(const directory& dir, const rules::saved_view& v,
                        const protocol::user_info& me,
                        const std::vector<std::string>& teams) {
  return rules::access_of(v, me, teams, owner_active(dir, v));
}

/// The views of an answer that `me` may see, in list order.
std::vector<rules::saved_view> visible_views(const directory& dir,
                                             const inbox_view_answer& a,
                                             const protocol::user_info& me) {
  std::vector<rules::saved_view> out;
  for (const auto& v : a.views) {
    auto s = saved_of(v);
    if (s && access_to(dir, *s, me, a.teams) != rules::access::none)
      out.push_back(std::move(*s));
  }
  rules::order_views(out, me.id);
  return out;
}

/// `{id, name, base, status, unreplied, sort, team, owner}`: every key present,
/// nil for no unreplied filter and for a private view's team.
std::string encode_view(const rules::saved_view& v) {
  protocol::map_builder b;
  b.str("id", v.id).str("name", v.name).str("base", v.base);
  b.str("status", rules::status_text(v.status));
  if (v.unreplied)
    b.boolean("unreplied", *v.unreplied);
  else
    b.nil("unreplied");
  b.str("sort", inbox_rules::to_string(v.sort));
  if (v.team)
    b.str("team", *v.team);
  else
    b.nil("team");
  b.str("owner", v.owner);
  return b.finish();
}

inbox_view_value value_of(const rules::saved_view& v) {
  inbox_view_value out;
  out.id = v.id;
  out.name = v.name;
  out.base = v.base;
  out.status = std::string{rules::status_text(v.status)};
  out.unreplied = v.unreplied ? (*v.unreplied ? 2 : 1) : 0;
  out.sort = std::string{inbox_rules::to_string(v.sort)};
  out.team = v.team.value_or("");
  return out;
}

/// Asks a db worker; `then` gets a successful answer, a failure answers
/// `unavailable`.
template <class F>
void call_db(session_self self, std::uint64_t rid, inbox_view_call call, F then) {
  auto& st = self->state;
  ask_storage(
      self, st.svc.db.any(), rid,
      [=](const inbox_view_answer& a) {
        if (a.failed) return send_storage_unavailable(self, rid);
        then(a);
      },
      inbox_views_atom_v, std::move(call));
}

inbox_view_call call_of(inbox_view_op op, const protocol::user_info& me) {
  inbox_view_call c;
  c.op = static_cast<std::uint8_t>(op);
  c.org = me.org;
  c.user = me.id;
  return c;
}

/// The answer to a put or remove that found no view of the caller's: `forbidden`
/// for a view shared with the caller (it may read it, not change it), otherwise
/// `not_found`, exactly as for a view that does not exist.
void refuse_change(session_self self, std::uint64_t rid, const inbox_view_answer& a,
                   const protocol::user_info& me, std::string_view what) {
  const auto& dir = *self->state.svc.dir;
  for (const auto& v : a.views)
    if (auto s = saved_of(v); s && access_to(dir, *s, me, a.teams) == rules::access::read)
      return send_error(self, rid, error_code::forbidden,
                        "only its owner may " + std::string{what} + " a view");
  send_error(self, rid, error_code::not_found, "no such view");
}

/// Checks that a team named by a view is a team of the caller's org.
bool known_team(const directory& dir, const std::string& team, const std::string& org) {
  auto t = dir.team(team);
  return t && t->org == org;
}

} // namespace

void list_custom_view(session_self self, std::uint64_t rid, directory::user_ptr me,
                      std::string id, std::optional<std::int64_t> limit,
                      std::optional<std::string> cursor) {
  if (!rules::is_view_id(id))
    return send_error(self, rid, error_code::not_found, "no such view");
  auto call = call_of(inbox_view_op::get, *me);
  call.view.id = id;
  call_db(self, rid, std::move(call), [=](const inbox_view_answer& a) {
    auto views = visible_views(*self->state.svc.dir, a, *me);
    if (views.empty())
      return send_error(self, rid, error_code::not_found, "no such view");
    auto parsed = rules::resolve(views.front(), limit, cursor);
    if (!parsed.ok())
      return send_error(self, rid, parsed.error->code, parsed.error->message);
    send_inbox_page(self, rid, parsed.q, *me);
  });
}

void op_inbox_views_put(session_self self, const protocol::request& req,
                        std::uint64_t rid) {
  auto me = agent(self, rid);
  if (!me) return;
  protocol::args a{req};
  auto map = a.opt_map("view");
  if (a.ok() && !map) a.fail("missing 'view'");
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  protocol::args v{*map, "view"};
  rules::raw_view raw;
  raw.id = text(v.opt_str("id", 0, max_arg_bytes));
  raw.name = text(v.opt_str("name", 0, max_arg_bytes));
  raw.base = text(v.opt_str("base", 0, max_arg_bytes));
  raw.status = text(v.opt_str("status", 0, max_arg_bytes));
  raw.unreplied = v.opt_bool("unreplied");
  raw.sort = text(v.opt_str("sort", 0, max_arg_bytes));
  raw.team = text(v.opt_str("team", 0, max_arg_bytes));
  if (!v.ok()) return send_error(self, rid, error_code::bad_request, v.error());
  auto parsed = rules::parse_view(raw);
  if (!parsed.ok())
    return send_error(self, rid, parsed.error->code, parsed.error->message);
  const auto& dir = *self->state.svc.dir;
  if (parsed.base_team && !known_team(dir, *parsed.base_team, me->org))
    return send_error(self, rid, error_code::bad_request, "unknown team in 'view.base'");
  if (parsed.view.team && !known_team(dir, *parsed.view.team, me->org))
    return send_error(self, rid, error_code::bad_request, "unknown team in 'view.team'");
  auto call = call_of(inbox_view_op::put, *me);
  call.view = value_of(parsed.view);
  call.max_views = rules::max_views_per_owner;
  call_db(self, rid, std::move(call), [=](const inbox_view_answer& a) {
    auto outcome = static_cast<inbox_view_outcome>(a.outcome);
    if (outcome == inbox_view_outcome::limit)
      return send_error(self, rid, error_code::conflict,
                        "at most " + std::to_string(rules::max_views_per_owner) +
                            " views per user; remove one first");
    if (outcome == inbox_view_outcome::missing)
      return refuse_change(self, rid, a, *me, "change");
    auto stored = a.views.empty() ? std::nullopt : saved_of(a.views.front());
    if (!stored) return send_storage_unavailable(self, rid);
    protocol::map_builder f;
    f.raw("view", encode_view(*stored));
    send_frame(self, reply_ok(rid, f));
  });
}

void op_inbox_views_list(session_self self, const protocol::request&, std::uint64_t rid) {
  auto me = agent(self, rid);
  if (!me) return;
  call_db(self, rid, call_of(inbox_view_op::list, *me), [=](const inbox_view_answer& a) {
    std::vector<std::string> items;
    for (const auto& v : visible_views(*self->state.svc.dir, a, *me))
      items.push_back(encode_view(v));
    protocol::map_builder f;
    f.raw_array("views", items);
    send_frame(self, reply_ok(rid, f));
  });
}

void op_inbox_views_remove(session_self self, const protocol::request& req,
                           std::uint64_t rid) {
  auto me = agent(self, rid);
  if (!me) return;
  protocol::args a{req};
  auto id = a.str("id", 1, max_arg_bytes);
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  if (!rules::is_view_id(id))
    return send_error(self, rid, error_code::not_found, "no such view");
  auto call = call_of(inbox_view_op::remove, *me);
  call.view.id = std::string{id};
  call_db(self, rid, std::move(call), [=](const inbox_view_answer& a) {
    if (static_cast<inbox_view_outcome>(a.outcome) == inbox_view_outcome::missing)
      return refuse_change(self, rid, a, *me, "remove");
    send_frame(self, reply_ok(rid));
  });
}

void op_inbox_counts(session_self self, const protocol::request&, std::uint64_t rid) {
  auto me = agent(self, rid);
  if (!me) return;
  call_db(self, rid, call_of(inbox_view_op::counts, *me),
          [=](const inbox_view_answer& a) {
            auto views = visible_views(*self->state.svc.dir, a, *me);
            std::vector<rules::count_group> groups;
            groups.reserve(a.groups.size());
            for (const auto& g : a.groups) {
              rules::count_group c;
              if (g.assigned) c.assignee = g.assignee;
              if (g.has_team) c.team = g.team;
              c.unreplied = g.unreplied;
              c.unread = g.unread;
              c.n = g.n;
              groups.push_back(std::move(c));
            }
            auto counts =
                rules::fold_counts(rules::count_targets(a.teams, views), groups, me->id);
            std::vector<std::string> items;
            items.reserve(counts.size());
            for (const auto& c : counts) {
              protocol::map_builder b;
              b.str("view", c.view).uint("open", c.open).uint("unread", c.unread);
              items.push_back(b.finish());
            }
            protocol::map_builder f;
            f.raw_array("counts", items);
            send_frame(self, reply_ok(rid, f));
          });
}

} // namespace parley

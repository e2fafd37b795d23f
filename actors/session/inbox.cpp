// inbox.list (docs/protocol.md §9): the support inbox of the caller's org, one
// page of a view, filtered and sorted. The request is parsed and checked with the
// pure rules (actors/rules/inbox_rules.hpp); a db worker reads the page with index walks
// (storage/inbox_queries.cpp) and the caller's unread counts; each item is the
// conversation with its contact (from the directory) and its unread count.
#include "actors/api/inbox_messages.hpp"
#include "actors/node/access.hpp"
#include "actors/node/replies.hpp"
#include "actors/rules/inbox_view_rules.hpp"
#include "actors/session/inbox_views.hpp"
#include "actors/session/session.hpp"

namespace parley {

namespace {

using protocol::error_code;

/// Longest `view` / `cursor` argument read: longer ones cannot be valid (a team id
/// and a conversation id are at most 128 bytes).
constexpr std::size_t max_view_bytes = 256;
constexpr std::size_t max_cursor_bytes = 512;

/// `contact: {id, name, email?, blocked}` of a support conversation's item. A
/// contact the directory does not know is named by its id.
protocol::map_builder contact_of(const directory& dir, const protocol::conversation& c,
                                 bool blocked) {
  protocol::map_builder b;
  std::string id = c.support ? c.support->contact : std::string{};
  auto u = dir.user(id);
  b.str("id", id).str("name", u ? u->name : id);
  if (u && u->email) b.str("email", *u->email);
  b.boolean("blocked", blocked);
  return b;
}

} // namespace

void op_inbox_list(session_self self, const protocol::request& req, std::uint64_t rid) {
  auto& st = self->state;
  if (!st.is_user)
    return send_error(self, rid, error_code::forbidden,
                      "a service token cannot act as a user");
  auto me = st.svc.dir->user(st.subject);
  if (!me)
    return send_error(self, rid, error_code::unauthenticated, "user no longer exists");
  if (!inbox_rules::may_list(*me))
    return send_error(self, rid, error_code::forbidden,
                      "only staff other than guests may list the support inbox");
  protocol::args a{req};
  inbox_rules::raw_args raw;
  auto text = [](std::optional<std::string_view> v) -> std::optional<std::string> {
    return v ? std::optional<std::string>{std::string{*v}} : std::nullopt;
  };
  raw.view = text(a.opt_str("view", 0, max_view_bytes));
  raw.status = text(a.opt_str("status", 0, max_view_bytes));
  raw.unreplied = a.opt_bool("unreplied");
  raw.sort = text(a.opt_str("sort", 0, max_view_bytes));
  raw.limit = a.opt_int("limit");
  raw.cursor = text(a.opt_str("cursor", 0, max_cursor_bytes));
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  if (auto id = raw.view ? inbox_view_rules::custom_id(*raw.view) : std::nullopt) {
    // A saved view brings its own filters and sort; overriding them silently would
    // list something else than the view the client named.
    if (raw.status || raw.unreplied || raw.sort)
      return send_error(self, rid, error_code::bad_request,
                        "a custom view takes only limit and cursor (status, unreplied "
                        "and sort are saved with it)");
    return list_custom_view(self, rid, me, std::string{*id}, raw.limit,
                            std::move(raw.cursor));
  }
  auto parsed = inbox_rules::parse(raw);
  if (!parsed.ok())
    return send_error(self, rid, parsed.error->code, parsed.error->message);
  const auto& q = parsed.q;
  if (q.view == inbox_rules::view_kind::team) {
    auto team = st.svc.dir->team(q.team);
    if (!team || team->org != me->org)
      return send_error(self, rid, error_code::bad_request, "unknown team");
  }
  send_inbox_page(self, rid, q, *me);
}

void send_inbox_page(session_self self, std::uint64_t rid, const inbox_rules::query& q,
                     const protocol::user_info& me) {
  auto& st = self->state;
  auto request = make_inbox_request(q, me.org, me.id, visibility::sees_internal(&me));
  auto sort = q.sort;
  bool blocked = q.view == inbox_rules::view_kind::blocked;
  ask_storage(
      self, st.svc.db.any(), rid,
      [=](const inbox_result& page) {
        auto& st = self->state;
        if (page.failed || page.unread.size() != page.items.size())
          return send_storage_unavailable(self, rid);
        const auto& dir = *st.svc.dir;
        std::vector<std::string> items;
        for (std::size_t i = 0; i < page.items.size(); ++i) {
          const auto& c = page.items[i];
          // SQL chose the org's support conversations; the visibility rule
          // still has the last word on each.
          if (!visibility::can_read(access_for(dir, st.subject, c))) continue;
          protocol::map_builder item;
          protocol::put_conversation(item, c);
          item.map("contact", contact_of(dir, c, blocked));
          item.uint("unread", page.unread[i]);
          items.push_back(item.finish());
        }
        protocol::map_builder f;
        f.raw_array("items", items);
        if (page.more && !page.items.empty())
          f.str("cursor",
                inbox_rules::encode_cursor(sort, rule_item(page.items.back(), blocked)));
        send_frame(self, reply_ok(rid, f));
      },
      inbox_atom_v, std::move(request));
}

} // namespace parley

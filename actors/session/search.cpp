// search (docs/protocol.md §10): validated here, answered by a db worker's SQL
// pre-filter, and every hit checked again with the visibility rule against the
// directory as it is now, so a stale pre-filter (a favourite just removed, a user
// just re-put) never shows a hit.
#include <algorithm>
#include <memory>
#include <unordered_set>

#include "actors/node/access.hpp"
#include "actors/node/replies.hpp"
#include "actors/rules/ids.hpp"
#include "actors/rules/search_rules.hpp"
#include "actors/rules/visibility.hpp"
#include "actors/session/session.hpp"
#include "protocol/limits.hpp"

namespace parley {

namespace {

using protocol::error_code;
namespace limits = protocol::limits;

/// A `contacts` answer: the hits that are still contacts of the caller's org.
frame contact_hits(const directory& dir, const std::string& org, const search_result& r,
                   std::uint64_t rid) {
  std::vector<std::string> items;
  for (const auto& h : r.contacts) {
    auto u = dir.user(h.user);
    if (!u || u->kind != protocol::user_kind::contact || u->org != org) continue;
    protocol::map_builder item;
    item.str("user", h.user).str("name", h.name);
    if (h.email)
      item.str("email", *h.email);
    else
      item.nil("email");
    items.push_back(item.finish());
  }
  protocol::map_builder f;
  f.raw_array("hits", items);
  return reply_ok(rid, f);
}

/// Why `scope` is refused to a user whom may_search refuses.
const char* refusal(search_rules::scope scope) {
  return scope == search_rules::scope::comments
             ? "internal comments are searched by staff only"
             : "contacts are searched by staff other than guests only";
}

} // namespace

void op_search(session_self self, const protocol::request& req, std::uint64_t rid) {
  auto& st = self->state;
  if (!st.is_user)
    return send_error(self, rid, error_code::forbidden,
                      "a service token cannot act as a user");
  protocol::args a{req};
  auto q = a.str("q", 1, search_rules::max_query_bytes);
  auto scope_name = a.opt_str("scope", 1, 16);
  auto conv = a.opt_str("conv", 1, limits::max_id_bytes);
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  auto scope = scope_name ? search_rules::parse_scope(*scope_name)
                          : std::optional{search_rules::scope::messages};
  if (!scope)
    return send_error(self, rid, error_code::bad_request,
                      "'scope' must be messages, comments or contacts");
  if (q.find('\0') != std::string_view::npos)
    return send_error(self, rid, error_code::bad_request, "'q' must not contain NUL");
  if (conv && *scope == search_rules::scope::contacts)
    return send_error(self, rid, error_code::bad_request,
                      "'conv' applies to the messages and comments scopes only");
  auto me = st.svc.dir->user(st.subject);
  if (!me)
    return send_error(self, rid, error_code::unauthenticated, "user no longer exists");
  if (!search_rules::may_search(*me, *scope))
    return send_error(self, rid, error_code::forbidden, refusal(*scope));
  // A string that is no conversation id names no readable conversation.
  if (conv && !valid_conversation_id(*conv))
    return send_frame(self, reply_not_found(*st.svc.stats, rid));
  bool words = search_rules::has_word(q);
  if (!words && !conv) {
    protocol::map_builder f;
    f.raw_array("hits", {});
    return send_frame(self, reply_ok(rid, f));
  }

  search_request sr;
  sr.scope = static_cast<std::uint8_t>(*scope);
  if (words) sr.q = std::string{q};
  sr.user = me->id;
  sr.org = me->org;
  sr.full_staff =
      me->kind == protocol::user_kind::staff && me->role != protocol::staff_role::guest;
  if (me->kind == protocol::user_kind::client) sr.client_of = me->company.value_or("");
  if (conv) sr.conv = std::string{*conv};
  sr.limit = search_rules::max_hits;
  auto only = sr.conv;
  ask_storage(
      self, st.svc.db.any(), rid,
      [=](const search_result& r) {
        auto& st = self->state;
        auto& dir = *st.svc.dir;
        if (r.failed) return send_storage_unavailable(self, rid);
        auto me = dir.user(st.subject);
        if (!me)
          return send_error(self, rid, error_code::unauthenticated,
                            "user no longer exists");
        // Rights may have changed while the database worked: ask again.
        if (!search_rules::may_search(*me, *scope))
          return send_error(self, rid, error_code::forbidden, refusal(*scope));
        if (*scope == search_rules::scope::contacts)
          return send_frame(self, contact_hits(dir, me->org, r, rid));
        // SQL chose the candidates; the rule has the last word on each.
        std::unordered_set<std::string> readable;
        for (const auto& c : r.convs)
          if (visibility::can_read(access_for(dir, st.subject, c))) readable.insert(c.id);
        if (!only.empty() && !readable.count(only))
          return send_frame(self, reply_not_found(*st.svc.stats, rid));
        std::vector<std::string> items;
        for (const auto& h : r.hits) {
          if (!readable.count(h.conv)) continue;
          protocol::map_builder item;
          item.str("conv", h.conv)
              .uint("seq", static_cast<std::uint64_t>(h.seq))
              .sint("ts", h.ts)
              .str("snippet", h.snippet);
          items.push_back(item.finish());
        }
        protocol::map_builder f;
        f.raw_array("hits", items);
        send_frame(self, reply_ok(rid, f));
      },
      search_atom_v, std::move(sr));
}

} // namespace parley

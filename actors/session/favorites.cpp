// Favourites (docs/protocol.md §4): admin.favorites.set replaces a user's set;
// favorites.add / favorites.remove change the caller's own. Every change is stored
// first, then cached, then every live conversation re-checks its subscriptions, so
// a favourite removed revokes at once.
#include "actors/node/directory_change.hpp"
#include "actors/node/replies.hpp"
#include "actors/session/session.hpp"
#include "protocol/limits.hpp"

namespace parley {

namespace {

using protocol::error_code;

frame favorites_reply(std::uint64_t rid, const std::vector<std::string>& companies) {
  protocol::map_builder f;
  f.str_list("favorites", companies);
  return reply_ok(rid, f);
}

void op_favorites_change(session_self self, const protocol::request& req,
                         std::uint64_t rid, protocol::favorites_op op) {
  auto& st = self->state;
  if (!st.is_user)
    return send_error(self, rid, error_code::forbidden,
                      "a service token has no favourites; use admin.favorites.set");
  protocol::args a{req};
  auto company = std::string{a.id("company")};
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  auto me = st.svc.dir->user(st.subject);
  if (!me)
    return send_error(self, rid, error_code::unauthenticated, "user no longer exists");
  if (me->kind != protocol::user_kind::staff && me->kind != protocol::user_kind::client)
    return send_error(self, rid, error_code::forbidden,
                      "favourites apply to staff and client users");
  auto c = st.svc.dir->company(company);
  if (!c || c->org != me->org)
    return send_error(self, rid, error_code::bad_request,
                      "unknown company '" + company + "'");
  if (op == protocol::favorites_op::add && me->kind == protocol::user_kind::client &&
      me->company != company)
    return send_error(self, rid, error_code::forbidden,
                      "a client may favour only its own company");
  favorites_change change;
  change.user = me->id;
  change.op = static_cast<std::uint8_t>(op);
  change.companies.push_back(std::move(company));
  apply_favorites(self, rid, std::move(change), [] {});
}

} // namespace

std::optional<std::string> favorites_problem(const directory& dir,
                                             const protocol::user_info& user,
                                             const std::vector<std::string>& companies) {
  bool client = user.kind == protocol::user_kind::client;
  if (!companies.empty() && !client && user.kind != protocol::user_kind::staff)
    return "favourites apply to staff and client users";
  for (const auto& id : companies) {
    auto c = dir.company(id);
    if (!c || c->org != user.org) return "unknown company '" + id + "'";
    if (client && user.company != id)
      return "a client may favour only its own company ('" + id + "' is not)";
  }
  return std::nullopt;
}

void apply_favorites(session_self self, std::uint64_t rid, favorites_change change,
                     std::function<void()> done) {
  auto& st = self->state;
  auto user = change.user;
  self->request(st.svc.db.for_key(user), st.svc.config->request_timeout, favorites_atom_v,
                std::move(change))
      .then(
          [=](const favorites_result& r) {
            auto& st = self->state;
            if (r.ok) {
              st.svc.dir->put_favorites(user, r.companies, r.version);
              self->send(st.svc.registry, recheck_atom_v);
              publish_change(self, favorites_changed(user, r.companies, r.version), [=] {
                send_frame(self, favorites_reply(rid, r.companies));
                done();
              });
              return;
            } else if (r.missing_reference) {
              send_error(self, rid, error_code::bad_request, "unknown user or company");
            } else {
              send_storage_unavailable(self, rid);
            }
            done();
          },
          [=](const caf::error&) {
            send_storage_unavailable(self, rid);
            done();
          });
}

void op_favorites_add(session_self self, const protocol::request& req,
                      std::uint64_t rid) {
  op_favorites_change(self, req, rid, protocol::favorites_op::add);
}

void op_favorites_remove(session_self self, const protocol::request& req,
                         std::uint64_t rid) {
  op_favorites_change(self, req, rid, protocol::favorites_op::remove);
}

} // namespace parley

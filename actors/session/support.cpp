// support.* and contact.* ops (docs/protocol.md §9): validated here; the
// conversation actor decides support transitions (support_rules), the database
// stores blocked contacts.
#include "actors/node/directory_change.hpp"
#include "actors/node/replies.hpp"
#include "actors/rules/support_rules.hpp"
#include "actors/session/session.hpp"
#include "protocol/limits.hpp"

namespace parley {

namespace {

using protocol::error_code;

/// A support op on the `conv` argument, with `fill` reading its own arguments.
template <class Fill>
void support_op(session_self self, const protocol::request& req, std::uint64_t rid,
                std::uint8_t op, Fill fill) {
  if (!require_user(self, rid)) return;
  protocol::args a{req};
  auto conv = conv_arg(self, a, rid);
  if (!conv) return;
  support_request r;
  r.rid = rid;
  r.conv = std::move(*conv);
  r.user = self->state.subject;
  r.op = op;
  fill(a, r);
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  ask_conversation(self, support_atom_v, std::move(r));
}

/// contact.block / contact.unblock: staff other than guests, for a contact of
/// their own org (anyone else's contact is unknown).
void change_block(session_self self, const protocol::request& req, std::uint64_t rid,
                  bool block) {
  if (!require_user(self, rid)) return;
  auto& st = self->state;
  protocol::args a{req};
  auto contact = std::string{a.id("contact")};
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  auto me = st.svc.dir->user(st.subject);
  if (!me)
    return send_error(self, rid, error_code::unauthenticated, "user no longer exists");
  if (!support_rules::works_the_inbox(*me))
    return send_error(self, rid, error_code::forbidden,
                      "only the org's staff may block contacts");
  auto who = st.svc.dir->user(contact);
  if (!who || who->org != me->org || who->kind != protocol::user_kind::contact)
    return send_error(self, rid, error_code::bad_request,
                      "unknown contact '" + contact + "'");
  block_change change{block, contact, me->org, me->id, now_ms()};
  auto dir = st.svc.dir;
  ask_storage(
      self, st.svc.db.any(), rid,
      [=](const db_ack& ack) {
        if (!ack.ok) return send_storage_unavailable(self, rid);
        dir->set_contact_blocked(contact, block);
        publish_change(self, contact_blocked(contact, block), [=] {
          protocol::map_builder f;
          f.boolean("ok", true);
          send_frame(self, reply_ok(rid, f));
        });
      },
      block_atom_v, std::move(change));
}

} // namespace

void op_support_assign(session_self self, const protocol::request& req,
                       std::uint64_t rid) {
  support_op(self, req, rid, support_request::assign,
             [](protocol::args& a, support_request& r) {
               if (auto v = a.opt_str("assignee", 1, protocol::limits::max_id_bytes))
                 r.assignee = std::string{*v};
               if (auto v = a.opt_str("team", 1, protocol::limits::max_id_bytes))
                 r.team = std::string{*v};
             });
}

void op_support_takeover(session_self self, const protocol::request& req,
                         std::uint64_t rid) {
  support_op(self, req, rid, support_request::takeover,
             [](protocol::args&, support_request&) {});
}

void op_support_close(session_self self, const protocol::request& req,
                      std::uint64_t rid) {
  support_op(self, req, rid, support_request::close,
             [](protocol::args& a, support_request& r) {
               // Any length passes here: `off` ignores even a huge note, the rule
               // answers too_large where a note would be recorded.
               if (auto v = a.opt_str("note", 0, protocol::limits::max_frame_bytes))
                 r.note = std::string{*v};
             });
}

void op_support_snooze(session_self self, const protocol::request& req,
                       std::uint64_t rid) {
  support_op(self, req, rid, support_request::snooze,
             [](protocol::args& a, support_request& r) {
               auto until = a.opt_int("until");
               if (a.ok() && !until) a.fail("'until' is required (ms since the epoch)");
               r.until = until.value_or(0);
             });
}

void op_support_unsnooze(session_self self, const protocol::request& req,
                         std::uint64_t rid) {
  support_op(self, req, rid, support_request::unsnooze,
             [](protocol::args&, support_request&) {});
}

void op_contact_block(session_self self, const protocol::request& req,
                      std::uint64_t rid) {
  change_block(self, req, rid, true);
}

void op_contact_unblock(session_self self, const protocol::request& req,
                        std::uint64_t rid) {
  change_block(self, req, rid, false);
}

} // namespace parley

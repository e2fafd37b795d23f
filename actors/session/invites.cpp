// Cross-organisation direct messages (docs/protocol.md §8): invitations, block
// lists and conv.end. Validated and decided here with the pure rules of
// invite_rules.hpp; stored by the db workers; the conversation an accepted
// invitation creates is served by its conversation actor like any other.

#include "actors/node/replies.hpp"
#include "actors/rules/ids.hpp"
#include "actors/rules/invite_rules.hpp"
#include "actors/session/session.hpp"
#include "protocol/limits.hpp"
#include "protocol/random_id.hpp"

namespace parley {

namespace {

using protocol::error_code;
namespace limits = protocol::limits;

/// The newest invitations invite.list returns.
constexpr std::uint64_t invite_list_limit = 200;

/// Longest accepted email address (RFC 5321 path limit, generously).
constexpr std::size_t max_email_bytes = 320;

/// A new random invitation id: `i` + 26 characters of a-z2-7, like conversation ids.
std::string new_invitation_id() {
  return protocol::random_id('i');
}

bool valid_invitation_id(std::string_view id) {
  return protocol::has_random_id_shape(id, 'i');
}

/// Reads the `invitation` argument. A string that cannot be an invitation id names
/// none the caller may see: `not_found`.
std::optional<std::string> invitation_arg(session_self self, protocol::args& a,
                                          std::uint64_t rid) {
  auto id = a.str("invitation", 1, limits::max_id_bytes);
  if (!a.ok()) {
    send_error(self, rid, error_code::bad_request, a.error());
    return std::nullopt;
  }
  if (!valid_invitation_id(id)) {
    send_error(self, rid, error_code::not_found, "no such invitation");
    return std::nullopt;
  }
  return std::string{id};
}

std::string send_refusal(invite_rules::send_verdict v) {
  switch (v) {
  case invite_rules::send_verdict::not_staff:
    return "only staff may invite people of other organisations";
  case invite_rules::send_verdict::guest:
    return "guests may not invite people of other organisations";
  case invite_rules::send_verdict::policy:
    return "your organisation's connect_policy does not let you invite";
  case invite_rules::send_verdict::no_email:
    return "you need an email address to invite people of other organisations";
  case invite_rules::send_verdict::allowed:
    break;
  }
  return "not allowed";
}

/// `{id, from, from_org, from_name, from_email, note, ts}`: an invitation as its
/// invitee sees it (the `invitation` push and invite.list received).
void put_received(protocol::map_builder& b, const protocol::invitation& i) {
  b.str("id", i.id)
      .str("from", i.from_user)
      .str("from_org", i.from_org)
      .str("from_name", i.from_name)
      .str("from_email", i.from_email);
  if (i.note.empty())
    b.nil("note");
  else
    b.str("note", i.note);
  b.sint("ts", i.ts);
}

/// `{id, to_email, note?, ts, status, conv?}`: an invitation as its inviter sees it.
/// Ignored and undelivered invitations are `pending` to the inviter, so it never
/// learns who exists or who said no.
void put_sent(protocol::map_builder& b, const protocol::invitation& i) {
  b.str("id", i.id).str("to_email", i.to_email);
  if (!i.note.empty()) b.str("note", i.note);
  b.sint("ts", i.ts);
  auto shown = i.status == protocol::invite_status::ignored
                   ? protocol::invite_status::pending
                   : i.status;
  b.str("status", protocol::to_string(shown));
  if (!i.conv.empty()) b.str("conv", i.conv);
}

/// Sends `q` to a db worker; `done` gets the result unless the database failed
/// (then the client gets `unavailable`).
template <class Done>
void ask_db(session_self self, std::uint64_t rid, invite_request q, Done done) {
  auto& st = self->state;
  ask_storage(
      self, st.svc.db.any(), rid,
      [=](const invite_result& r) mutable {
        if (r.failed) return send_storage_unavailable(self, rid);
        done(r);
      },
      invite_atom_v, std::move(q));
}

/// A reply to a state change, by its stored outcome.
bool refused(session_self self, std::uint64_t rid, const invite_result& r,
             std::string_view conflict) {
  switch (static_cast<protocol::invite_outcome>(r.outcome)) {
  case protocol::invite_outcome::not_found:
    send_error(self, rid, error_code::not_found, "no such invitation");
    return true;
  case protocol::invite_outcome::conflict:
    send_error(self, rid, error_code::conflict, conflict);
    return true;
  case protocol::invite_outcome::done:
    break;
  }
  if (!r.items.empty()) return false;
  // A change that was done always returns its row; anything else is a fault.
  send_error(self, rid, error_code::internal, "invitation state unknown");
  return true;
}

} // namespace

void op_invite_send(session_self self, const protocol::request& req, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  auto& st = self->state;
  protocol::args a{req};
  auto email = a.str("email", 1, max_email_bytes);
  auto note = a.opt_str("note", 1, limits::max_text_bytes);
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  auto to_email = invite_rules::normalize_email(email);
  if (!to_email)
    return send_error(self, rid, error_code::bad_request,
                      "'email' is not an email address");
  auto me = st.svc.dir->user(st.subject);
  if (!me)
    return send_error(self, rid, error_code::unauthenticated, "user no longer exists");
  auto org = st.svc.dir->org(me->org);
  auto verdict = invite_rules::may_send(*me, org.get());
  if (verdict != invite_rules::send_verdict::allowed)
    return send_error(self, rid, error_code::forbidden, send_refusal(verdict));
  invite_request q;
  q.op = static_cast<std::uint8_t>(invite_op::send);
  q.user = me->id;
  q.invitation = new_invitation_id();
  q.email = *to_email;
  q.from_org = me->org;
  q.from_email = *invite_rules::normalize_email(*me->email);
  if (note) q.note = std::string{*note};
  q.ts = now_ms();
  auto from_name = me->name;
  ask_db(self, rid, std::move(q), [=](const invite_result& r) {
    if (r.items.empty()) return send_storage_unavailable(self, rid);
    auto inv = r.items.front();
    // The same reply whatever became of it: unknown, same-org and blocked
    // invitations are stored and never delivered, and the inviter cannot tell.
    protocol::map_builder i;
    i.str("id", inv.id).str("to_email", inv.to_email).sint("ts", inv.ts);
    protocol::map_builder f;
    f.map("invitation", i);
    send_frame(self, reply_ok(rid, f));
    if (!inv.delivered || inv.to_user.empty()) return;
    inv.from_name = from_name;
    protocol::map_builder pushed;
    put_received(pushed, inv);
    protocol::map_builder push;
    push.str("op", "invitation").map("invitation", pushed);
    self->send(self->state.svc.presence, push_atom_v, inv.to_user, frame{push.finish()});
  });
}

void op_invite_revoke(session_self self, const protocol::request& req,
                      std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  protocol::args a{req};
  auto id = invitation_arg(self, a, rid);
  if (!id) return;
  invite_request q;
  q.op = static_cast<std::uint8_t>(invite_op::revoke);
  q.user = self->state.subject;
  q.invitation = *id;
  q.ts = now_ms();
  ask_db(self, rid, std::move(q), [=](const invite_result& r) {
    if (refused(self, rid, r,
                "the invitation was accepted; end the conversation with conv.end"))
      return;
    const auto& inv = r.items.front();
    protocol::map_builder i;
    put_sent(i, inv);
    protocol::map_builder f;
    f.map("invitation", i);
    send_frame(self, reply_ok(rid, f));
    if (!inv.delivered || inv.to_user.empty()) return;
    protocol::map_builder push;
    push.str("op", "invitation_revoked").str("invitation", inv.id);
    self->send(self->state.svc.presence, push_atom_v, inv.to_user, frame{push.finish()});
  });
}

void op_invite_accept(session_self self, const protocol::request& req,
                      std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  auto& st = self->state;
  protocol::args a{req};
  auto id = invitation_arg(self, a, rid);
  if (!id) return;
  auto me = st.svc.dir->user(st.subject);
  if (!me)
    return send_error(self, rid, error_code::unauthenticated, "user no longer exists");
  if (!invite_rules::may_accept(*me))
    return send_error(self, rid, error_code::forbidden,
                      "guests may not accept invitations from other organisations");
  invite_request q;
  q.op = static_cast<std::uint8_t>(invite_op::accept);
  q.user = me->id;
  q.invitation = *id;
  q.conv = new_conversation_id();
  q.ts = now_ms();
  auto user = me->id;
  ask_db(self, rid, std::move(q), [=](const invite_result& r) {
    if (refused(self, rid, r, "")) return;
    const auto& inv = r.items.front();
    // The conversation actor loads the new conversation and answers `{conv}`;
    // accepting again answers the same conversation.
    ask_conversation(self, get_atom_v, get_request{rid, inv.conv, user});
    if (!r.created) return;
    protocol::map_builder push;
    push.str("op", "invitation_accepted").str("invitation", inv.id).str("conv", inv.conv);
    self->send(self->state.svc.presence, push_atom_v, inv.from_user,
               frame{push.finish()});
  });
}

void op_invite_ignore(session_self self, const protocol::request& req,
                      std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  protocol::args a{req};
  auto block = a.opt_bool("block").value_or(false);
  auto id = invitation_arg(self, a, rid);
  if (!id) return;
  invite_request q;
  q.op = static_cast<std::uint8_t>(invite_op::ignore);
  q.user = self->state.subject;
  q.invitation = *id;
  q.block = block;
  q.ts = now_ms();
  ask_db(self, rid, std::move(q), [=](const invite_result& r) {
    if (refused(self, rid, r, "the invitation was accepted")) return;
    send_frame(self, reply_ok(rid));
  });
}

void op_invite_list(session_self self, const protocol::request& req, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  protocol::args a{req};
  auto direction = a.str("direction", 1, 16);
  if (a.ok() && direction != "sent" && direction != "received")
    a.fail("'direction' must be sent or received");
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  bool sent = direction == "sent";
  invite_request q;
  q.op = static_cast<std::uint8_t>(sent ? invite_op::sent : invite_op::received);
  q.user = self->state.subject;
  q.limit = invite_list_limit;
  ask_db(self, rid, std::move(q), [=](const invite_result& r) {
    std::vector<std::string> items;
    items.reserve(r.items.size());
    for (const auto& inv : r.items) {
      protocol::map_builder i;
      if (sent)
        put_sent(i, inv);
      else
        put_received(i, inv);
      items.push_back(i.finish());
    }
    protocol::map_builder f;
    f.raw_array("items", items);
    send_frame(self, reply_ok(rid, f));
  });
}

void op_blocks_list(session_self self, const protocol::request&, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  invite_request q;
  q.op = static_cast<std::uint8_t>(invite_op::blocks);
  q.user = self->state.subject;
  ask_db(self, rid, std::move(q), [=](const invite_result& r) {
    protocol::map_builder f;
    f.str_list("emails", r.emails);
    send_frame(self, reply_ok(rid, f));
  });
}

void op_blocks_remove(session_self self, const protocol::request& req,
                      std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  protocol::args a{req};
  auto email = a.str("email", 1, max_email_bytes);
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  auto normal = invite_rules::normalize_email(email);
  if (!normal)
    return send_error(self, rid, error_code::bad_request,
                      "'email' is not an email address");
  invite_request q;
  q.op = static_cast<std::uint8_t>(invite_op::unblock);
  q.user = self->state.subject;
  q.email = *normal;
  ask_db(self, rid, std::move(q),
         [=](const invite_result&) { send_frame(self, reply_ok(rid)); });
}

void op_conv_end(session_self self, const protocol::request& req, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  protocol::args a{req};
  auto conv = a.str("conv", 1, limits::max_id_bytes);
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  if (!valid_conversation_id(conv))
    return send_frame(self, reply_not_found(*self->state.svc.stats, rid));
  ask_conversation(self, end_atom_v,
                   end_request{rid, std::string{conv}, self->state.subject});
}

} // namespace parley

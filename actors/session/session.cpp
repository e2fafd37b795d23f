#include "actors/session/session.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "actors/node/replies.hpp"
#include "actors/session/inbox_views.hpp"
#include "protocol/jwt.hpp"
#include "protocol/random_id.hpp"
#include "protocol/types.hpp"
#include "protocol/utf8.hpp"

namespace parley {

namespace {

using protocol::error_code;

/// WebSocket close codes (docs/protocol.md, "Close codes").
constexpr std::uint16_t close_going_away = 1001;
constexpr std::uint16_t close_invalid_payload = 1007;
constexpr std::uint16_t close_policy = 1008;

using op_handler = void (*)(session_self, const protocol::request&, std::uint64_t);

const std::unordered_map<std::string_view, op_handler>& op_table() {
  static const std::unordered_map<std::string_view, op_handler> table{
      {"admin.org.put", op_admin_org_put},
      {"admin.user.put", op_admin_user_put},
      {"conv.create", op_conv_create},
      {"conv.get", op_conv_get},
      {"conv.list", op_conv_list},
      {"conv.open", op_conv_open},
      {"conv.close", op_conv_close},
      {"msg.send", op_msg_send},
      {"msg.history", op_msg_history},
      {"msg.around", op_msg_around},
      {"read", op_read},
      {"admin.company.put", op_admin_company_put},
      {"admin.team.put", op_admin_team_put},
      {"admin.favorites.set", op_admin_favorites_set},
      {"favorites.add", op_favorites_add},
      {"favorites.remove", op_favorites_remove},
      {"conv.participants.add", op_conv_participants_add},
      {"conv.participants.remove", op_conv_participants_remove},
      // Cross-organisation direct messages (section 8).
      {"invite.send", op_invite_send},
      {"invite.revoke", op_invite_revoke},
      {"invite.accept", op_invite_accept},
      {"invite.ignore", op_invite_ignore},
      {"invite.list", op_invite_list},
      {"blocks.list", op_blocks_list},
      {"blocks.remove", op_blocks_remove},
      {"conv.end", op_conv_end},
      {"support.assign", op_support_assign},
      {"support.takeover", op_support_takeover},
      {"support.close", op_support_close},
      {"support.snooze", op_support_snooze},
      {"support.unsnooze", op_support_unsnooze},
      {"contact.block", op_contact_block},
      {"contact.unblock", op_contact_unblock},
      {"admin.ai.put", op_admin_ai_put},
      {"search", op_search},
      {"inbox.list", op_inbox_list},
      {"inbox.views.put", op_inbox_views_put},
      {"inbox.views.list", op_inbox_views_list},
      {"inbox.views.remove", op_inbox_views_remove},
      {"inbox.counts", op_inbox_counts},
  };
  return table;
}

std::string new_session_id() {
  return protocol::random_id('s', 16);
}

/// The error for an op the server does not know. It quotes the op so that a typo
/// is obvious, but at most 64 characters of it, and only as valid text: the op
/// is the client's, up to a whole frame of arbitrary bytes.
std::string unknown_op_message(std::string_view op) {
  if (!protocol::valid_text(op)) return "unknown op (not valid UTF-8 text)";
  constexpr std::size_t shown = 64;
  auto cut = protocol::utf8_prefix_bytes(op, shown);
  return "unknown op '" + std::string{op.substr(0, cut)} +
         (cut < op.size() ? "\xE2\x80\xA6'" : "'"); // … when cut
}

void refuse_auth(session_self self, std::optional<std::uint64_t> rid,
                 std::string_view why) {
  send_error(self, rid, error_code::unauthenticated, why);
  close_session(self, close_policy, "unauthenticated");
}

/// Seconds since the Unix epoch: a token's `exp` is wall-clock time.
std::int64_t now_seconds() {
  return now_ms() / 1000;
}

/// Wakes a service session when its token expires (a refresh moves `token_exp`; an
/// earlier wake-up finds it in the future and waits again). A user's session is
/// woken by the presence actor's expiry board instead. On the node's timer board,
/// which holds the session weakly: a CAF delayed message would keep the closed
/// session alive until its token's expiry, hours or days for a backend that opens
/// a connection per call.
void arm_token_expiry(session_self self) {
  auto left_ms = (self->state.token_exp - now_seconds()) * 1000;
  arm_timer(self, self->state.svc.timers,
            std::chrono::milliseconds{std::max<std::int64_t>(left_ms, 0)},
            auth_deadline_atom_v);
}

/// auth.refresh {token}: a fresh token for the same subject moves the expiry. A
/// refused token changes nothing (the current one still holds until it expires).
void handle_refresh(session_self self, const protocol::request& req, std::uint64_t rid) {
  auto& st = self->state;
  protocol::args a{req};
  auto token = a.str("token", 1, 8192);
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  auto verdict = protocol::verify_token(token, st.svc.config->token_secret, now_seconds(),
                                        st.svc.config->max_token_lifetime_s);
  if (!verdict.claims)
    return send_error(self, rid, error_code::unauthenticated,
                      protocol::to_string(verdict.error));
  if (verdict.claims->sub != st.subject || verdict.claims->admin != st.admin)
    return send_error(self, rid, error_code::forbidden,
                      "a refresh must name the same subject (and adm) as hello");
  st.token_exp = verdict.claims->exp;
  if (st.is_user)
    self->send(st.svc.presence, expires_atom_v, st.token_exp);
  else
    arm_token_expiry(self);
  protocol::map_builder f;
  f.sint("exp", st.token_exp);
  send_frame(self, reply_ok(rid, f));
}

void handle_hello(session_self self, const protocol::request& req,
                  std::optional<std::uint64_t> rid) {
  auto& st = self->state;
  protocol::args a{req};
  auto token = a.str("token", 1, 8192);
  a.opt_str("device", 0, protocol::limits::max_text_bytes);
  if (!a.ok()) return refuse_auth(self, rid, a.error());
  auto verdict =
      protocol::verify_token(token, st.svc.config->token_secret, now_ms() / 1000,
                             st.svc.config->max_token_lifetime_s);
  if (!verdict.claims) return refuse_auth(self, rid, protocol::to_string(verdict.error));
  auto& claims = *verdict.claims;
  auto user = st.svc.dir->user(claims.sub);
  if (!user && !claims.admin) return refuse_auth(self, rid, "unknown user");
  st.authenticated = true;
  st.admin = claims.admin;
  st.subject = claims.sub;
  st.is_user = user != nullptr;
  st.token_exp = claims.exp;
  // A user's connection is on the presence actor's expiry board (one timer per
  // node); a service token's has a timer of its own.
  if (!user) arm_token_expiry(self);
  // Notifications and read markers reach every connection of the user.
  if (user)
    self->send(
        st.svc.presence, attach_atom_v,
        attachment{user->id, caf::actor_cast<session_actor>(self), st.out, claims.exp});
  protocol::map_builder f;
  if (user) {
    protocol::map_builder u;
    protocol::put_user(u, *user);
    u.str_list("favorites", st.svc.dir->favorites(user->id));
    f.map("user", u);
  } else {
    f.nil("user");
  }
  f.str("session", st.id).str("node", st.svc.config->node_name).sint("ts", now_ms());
  send_frame(self, reply_ok(rid, f));
}

void handle_frame(session_self self, std::string& bytes) {
  auto& st = self->state;
  if (st.closing) return;
  auto decoded = protocol::decode_request(std::move(bytes)); // the request keeps it
  if (!decoded.req) return close_session(self, close_invalid_payload, decoded.error);
  const auto& req = *decoded.req;
  auto op = req.op();
  auto rid = req.rid();
  if (!st.authenticated) {
    if (op != "hello") return refuse_auth(self, rid, "the first request must be hello");
    if (!rid) return refuse_auth(self, rid, "hello needs a rid");
    return handle_hello(self, req, rid);
  }
  if (op.empty()) return send_error(self, rid, error_code::bad_request, "missing 'op'");
  // typing may come without a rid (and then gets no reply).
  if (op == "typing" && !req.rid_malformed()) return op_typing(self, req, rid);
  if (!rid)
    return send_error(self, std::nullopt, error_code::bad_request,
                      req.rid_malformed() ? "'rid' must be a non-negative integer"
                                          : "missing 'rid'");
  if (op == "hello")
    return send_error(self, rid, error_code::bad_request, "already authenticated");
  if (!st.budget.take(steady_ms()))
    return send_error(self, rid, error_code::rate_limited,
                      "too many requests on this connection; slow down and retry");
  if (op == "auth.refresh") return handle_refresh(self, req, *rid);
  auto handler = op_table().find(op);
  if (handler == op_table().end())
    return send_error(self, rid, error_code::bad_request, unknown_op_message(op));
  handler->second(self, req, *rid);
}

} // namespace

void send_frame(session_self self, const frame& f) {
  if (!self->state.closing) self->state.out->send(f);
}

void send_error(session_self self, std::optional<std::uint64_t> rid,
                protocol::error_code code, std::string_view message) {
  send_frame(self, reply_error(*self->state.svc.stats, rid, code, message));
}

void close_session(session_self self, std::uint16_t code, std::string reason) {
  auto& st = self->state;
  if (st.closing) return;
  st.closing = true;
  st.out->close(code, std::move(reason));
  self->quit();
}

session_actor::behavior_type session(session_self self, session_handles svc,
                                     std::shared_ptr<outbound> out) {
  auto& st = self->state;
  st.svc = std::move(svc);
  st.out = std::move(out);
  st.id = new_session_id();
  st.budget = token_bucket{st.svc.config->rate_per_second, st.svc.config->rate_burst};
  // On the node's timer board, like every timer of a session: it holds the
  // session weakly, so a connection closed before its hello is freed at once.
  arm_timer(self, st.svc.timers, st.svc.config->hello_timeout, auth_deadline_atom_v);
  return {
      [=](frame_atom, std::string& bytes) { handle_frame(self, bytes); },
      [=](disconnect_atom) {
        // Subscriptions end with us: conversation actors monitor their subscribers.
        self->state.closing = true;
        self->quit();
      },
      [=](push_atom, const frame& f) { send_frame(self, f); },
      [=](revoked_atom, const std::string& conv) {
        // The subscription is gone on the conversation's side: free its slot and
        // tell the client.
        self->state.open.erase(conv);
        protocol::map_builder b;
        b.str("op", "revoked").str("conv", conv);
        send_frame(self, frame{b.finish()});
      },
      [=](auth_deadline_atom) {
        auto& st = self->state;
        if (!st.authenticated)
          close_session(self, close_policy, "no hello within 10 s");
        else if (now_seconds() >= st.token_exp)
          close_session(self, close_policy, "token expired");
        else if (now_seconds() >= st.token_exp - 1)
          arm_token_expiry(self); // woken early (timer granularity): wait the rest
      },
      [=](answer_deadline_atom) { expire_answers(self); },
      [=](shutdown_atom) {
        close_session(self, close_going_away, "server shutting down");
      },
  };
}

void send_storage_unavailable(session_self self, std::uint64_t rid) {
  send_error(self, rid, protocol::error_code::unavailable, "storage unavailable");
}

} // namespace parley

// conv.* and msg.* ops (docs/protocol.md §5, §6 and §7): validated here, decided
// by the conversation actors.
#include <algorithm>
#include <charconv>

#include "actors/node/access.hpp"
#include "actors/node/replies.hpp"
#include "actors/rules/ids.hpp"
#include "actors/rules/support_rules.hpp"
#include "actors/rules/visibility.hpp"
#include "actors/session/attachments.hpp"
#include "actors/session/session.hpp"
#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"

namespace parley {

namespace {

using protocol::error_code;
namespace limits = protocol::limits;

/// The fields shared by msg.send and conv.create's `first`. Returns false after
/// answering when the body is too large (`too_large`, not `bad_request`).
bool read_message_fields(session_self self, protocol::args& a, const msgpack::object& map,
                         std::uint64_t rid, std::string& body, std::string& format,
                         std::vector<std::string>& mentions, bool& internal) {
  if (auto raw = protocol::find_in_map(map, "body");
      raw && raw->type == msgpack::type::STR &&
      raw->via.str.size > limits::max_body_bytes) {
    send_error(self, rid, error_code::too_large, "body exceeds 64 KiB");
    return false;
  }
  body = std::string{a.str("body", 0, limits::max_body_bytes)};
  format = std::string{a.opt_str("format", 1, 16).value_or("text")};
  if (a.ok() && !protocol::valid_format(format))
    a.fail("'format' must be text or markdown");
  mentions = a.id_list("mentions", limits::max_mentions, false);
  std::sort(mentions.begin(), mentions.end());
  mentions.erase(std::unique(mentions.begin(), mentions.end()), mentions.end());
  internal = a.opt_bool("internal").value_or(false);
  return true;
}

std::string encode_cursor(std::int64_t ts, const std::string& id) {
  return std::to_string(ts) + ":" + id;
}

bool decode_cursor(std::string_view cursor, std::int64_t& ts, std::string& id) {
  auto colon = cursor.find(':');
  if (colon == std::string_view::npos) return false;
  auto [p, ec] = std::from_chars(cursor.data(), cursor.data() + colon, ts);
  if (ec != std::errc{} || p != cursor.data() + colon) return false;
  id = std::string{cursor.substr(colon + 1)};
  return valid_conversation_id(id);
}

/// True when a reply frame says ok: true (the session tracks open conversations
/// only once the conversation accepted the subscription).
bool reply_is_ok(const frame& f) {
  auto decoded = protocol::decode_request(f.view());
  if (!decoded.req) return false;
  auto ok = decoded.req->find("ok");
  return ok && ok->type == msgpack::type::BOOLEAN && ok->via.boolean;
}

/// Why `me` may not open a support conversation with `participants` (the others
/// named in conv.create), if it may not: contacts write to their org's alias, 1:1;
/// the alias never opens one with itself (echo prevention).
std::optional<protocol::failure>
support_create_problem(const directory& dir, const protocol::user_info& me,
                       const std::vector<std::string>& participants) {
  auto org = dir.org(me.org);
  if (!org || !org->alias)
    return protocol::failure{error_code::bad_request,
                             "this organisation has no support alias"};
  if (me.id == *org->alias)
    return protocol::failure{error_code::bad_request,
                             "the alias cannot open a conversation with itself"};
  if (me.kind != protocol::user_kind::contact)
    return protocol::failure{error_code::forbidden,
                             "only contacts open support conversations"};
  bool only_alias = !participants.empty();
  for (const auto& p : participants)
    if (p != *org->alias && p != me.id) only_alias = false;
  if (!only_alias)
    return protocol::failure{error_code::bad_request,
                             "a support conversation is between a contact and the "
                             "org's alias: participants must be [\"" +
                                 *org->alias + "\"]"};
  return std::nullopt;
}

/// conv.create {kind: support}: the contact's one conversation, with an id derived
/// from (org, contact). When the database holds it already, the registry loads it
/// and the answer is `existing: true` (a `first` message is sent into it).
void create_support(session_self self, create_request cr) {
  auto& st = self->state;
  auto& conv = cr.conv;
  conv.id = support_conversation_id(conv.org, conv.created_by);
  if (cr.has_first) cr.first.conv = conv.id;
  protocol::support_info s;
  s.contact = conv.created_by;
  s.status = "open";
  if (cr.has_first) s.last_contact_ts = conv.created_at;
  s.unreplied = cr.has_first;
  // The org's default assignee (an addition), when it can take the conversation
  // now: an `ai` user or staff other than guests of the org.
  auto org = st.svc.dir->org(conv.org);
  if (org && org->support_assignee) {
    auto u = st.svc.dir->user(*org->support_assignee);
    if (u && u->org == conv.org &&
        (u->kind == protocol::user_kind::ai || support_rules::works_the_inbox(*u)))
      s.assignee = u->id;
  }
  conv.support = std::move(s);
  cr.create_cid.clear(); // the id itself makes a retried create find its conversation
  auto rid = cr.rid;
  if (cr.has_first && st.svc.dir->contact_blocked(conv.created_by))
    return send_error(self, rid, error_code::blocked,
                      "you cannot write to this organisation");
  ask_storage(
      self, st.svc.db.any(), rid,
      [=](const created_lookup& found) mutable {
        if (found.failed) return send_storage_unavailable(self, rid);
        cr.existing = !found.conv.empty();
        ask_conversation(self, create_atom_v, std::move(cr));
      },
      support_atom_v, conv.org, conv.created_by);
}

} // namespace

bool require_user(session_self self, std::uint64_t rid) {
  if (self->state.is_user) return true;
  send_error(self, rid, error_code::forbidden, "a service token cannot act as a user");
  return false;
}

std::optional<std::string> conv_arg(session_self self, protocol::args& a,
                                    std::uint64_t rid) {
  auto conv = a.str("conv", 1, limits::max_id_bytes);
  if (!a.ok()) {
    send_error(self, rid, error_code::bad_request, a.error());
    return std::nullopt;
  }
  if (!valid_conversation_id(conv)) {
    send_frame(self, reply_not_found(*self->state.svc.stats, rid));
    return std::nullopt;
  }
  return std::string{conv};
}

void op_conv_create(session_self self, const protocol::request& req, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  auto& st = self->state;
  protocol::args a{req};
  auto kind_name = a.str("kind", 1, 32);
  auto company = a.opt_str("company", 1, limits::max_id_bytes);
  auto subject = a.opt_str("subject", 1, limits::max_text_bytes);
  auto participants = a.id_list("participants", limits::max_participants, true);
  auto cid = a.opt_str("cid", 1, limits::max_cid_bytes);
  auto first_map = a.opt_map("first");
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  auto kind = protocol::parse_conv_kind(kind_name);
  if (!kind)
    return send_error(self, rid, error_code::bad_request, "unknown conversation kind");
  bool tied =
      *kind == protocol::conv_kind::company || *kind == protocol::conv_kind::confidential;
  if (tied && !company)
    return send_error(self, rid, error_code::bad_request,
                      "a company or confidential conversation needs 'company'");
  if (!tied && company)
    return send_error(self, rid, error_code::bad_request,
                      "only company and confidential conversations have a company");
  auto& dir = *st.svc.dir;
  auto me = dir.user(st.subject);
  if (!me)
    return send_error(self, rid, error_code::unauthenticated, "user no longer exists");
  if (*kind == protocol::conv_kind::support) {
    if (auto problem = support_create_problem(dir, *me, participants))
      return send_error(self, rid, problem->code, problem->message);
  }
  if (company) {
    auto c = dir.company(std::string{*company});
    if (!c || c->org != me->org)
      return send_error(self, rid, error_code::bad_request,
                        "unknown company '" + std::string{*company} + "'");
  }

  create_request cr;
  cr.rid = rid;
  auto& conv = cr.conv;
  conv.id = new_conversation_id();
  conv.kind = *kind;
  conv.org = me->org;
  if (company) conv.company = std::string{*company};
  if (subject) conv.subject = std::string{*subject};
  conv.created_by = me->id;
  conv.created_at = now_ms();
  conv.last_ts = conv.created_at;
  // The creator first, then the others in the order given, without repeats.
  conv.participants.push_back(me->id);
  for (auto& p : participants)
    if (!visibility::participates(p, conv.participants))
      conv.participants.push_back(std::move(p));
  for (const auto& p : conv.participants) {
    auto u = dir.user(p);
    // The org's alias may be provisioned after its support conversations start.
    if (!u && conv.kind == protocol::conv_kind::support) continue;
    auto verdict = u ? visibility::may_participate(*u, conv.kind, conv.org,
                                                   conv.company.value_or(""))
                     : visibility::membership::other_org;
    if (verdict == visibility::membership::allowed) continue;
    bool creator = p == me->id;
    if (verdict == visibility::membership::other_org)
      return send_error(self, rid, error_code::bad_request,
                        "unknown participant '" + p + "'");
    return send_error(self, rid, error_code::forbidden,
                      creator ? "you cannot take part in a conversation of this kind"
                              : membership_refusal(p, verdict));
  }
  if (*kind == protocol::conv_kind::direct && conv.participants.size() != 2)
    return send_error(self, rid, error_code::bad_request,
                      "a direct conversation has exactly two participants");
  if (cid) cr.create_cid = std::string{*cid};
  if (first_map) {
    protocol::args fa{*first_map, "first"};
    auto& m = cr.first;
    bool internal = false;
    if (!read_message_fields(self, fa, *first_map, rid, m.body, m.format, m.mentions,
                             internal))
      return;
    auto first_cid = fa.opt_str("cid", 1, limits::max_cid_bytes);
    if (fa.ok() && protocol::find_in_map(*first_map, "reply_to"))
      fa.fail("'first.reply_to' cannot name a message of a new conversation");
    if (fa.ok() && internal) fa.fail("'first' cannot be an internal comment");
    if (auto att = protocol::find_in_map(*first_map, "attachments");
        fa.ok() && att && att->type != msgpack::type::NIL &&
        !(att->type == msgpack::type::ARRAY && att->via.array.size == 0))
      fa.fail("'first' cannot carry attachments; send them with msg.send");
    for (const auto& who : m.mentions)
      if (fa.ok() && !visibility::can_read(access_for(dir, who, conv)))
        fa.fail("mentioned user cannot see this conversation: " + who);
    if (!fa.ok()) return send_error(self, rid, error_code::bad_request, fa.error());
    cr.has_first = true;
    m.conv = conv.id;
    m.seq = 1;
    m.ts = conv.created_at;
    m.author = me->id;
    m.cid = first_cid ? std::string{*first_cid} : (cid ? std::string{*cid} : conv.id);
    // A contact's support conversation outlives one create: without a cid, each
    // create's first message is a new message.
    if (conv.kind == protocol::conv_kind::support && !first_cid && !cid)
      m.cid = new_conversation_id();
    conv.last_seq = 1;
  }
  if (conv.kind == protocol::conv_kind::support)
    return create_support(self, std::move(cr));
  if (cr.create_cid.empty()) return ask_conversation(self, create_atom_v, std::move(cr));
  // A retried create (same creator, same cid) answers with the conversation the
  // first attempt made.
  auto user = me->id;
  ask_storage(
      self, st.svc.db.any(), rid,
      [=](const created_lookup& found) mutable {
        if (found.failed) return send_storage_unavailable(self, rid);
        if (found.conv.empty())
          return ask_conversation(self, create_atom_v, std::move(cr));
        ask_conversation(self, get_atom_v, get_request{rid, found.conv, user});
      },
      created_atom_v, user, cr.create_cid);
}

void op_conv_get(session_self self, const protocol::request& req, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  protocol::args a{req};
  auto conv = conv_arg(self, a, rid);
  if (!conv) return;
  ask_conversation(self, get_atom_v, get_request{rid, *conv, self->state.subject});
}

void op_conv_list(session_self self, const protocol::request& req, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  auto& st = self->state;
  protocol::args a{req};
  auto limit = a.opt_uint("limit").value_or(50);
  auto cursor = a.opt_str("cursor", 1, 256);
  if (a.ok() && (limit < 1 || limit > limits::max_history_limit))
    a.fail("'limit' must be 1..200");
  auto me = st.svc.dir->user(st.subject);
  if (!me)
    return send_error(self, rid, error_code::unauthenticated, "user no longer exists");
  list_request lr;
  lr.rid = rid;
  lr.user = me->id;
  lr.org = me->org;
  lr.full_staff =
      me->kind == protocol::user_kind::staff && me->role != protocol::staff_role::guest;
  if (me->kind == protocol::user_kind::client) lr.client_of = me->company.value_or("");
  lr.limit = limit;
  if (a.ok() && cursor) {
    lr.has_cursor = decode_cursor(*cursor, lr.cursor_ts, lr.cursor_id);
    if (!lr.has_cursor) a.fail("'cursor' is not a cursor this server gave");
  }
  if (!a.ok()) return send_error(self, rid, error_code::bad_request, a.error());
  ask_storage(
      self, st.svc.db.any(), rid,
      [=](const conversation_page& page) {
        auto& st = self->state;
        if (page.failed) return send_storage_unavailable(self, rid);
        // SQL chose the candidates; the rule has the last word on each.
        auto shown = std::make_shared<std::vector<protocol::conversation>>();
        for (const auto& c : page.items)
          if (visibility::can_read(access_for(*st.svc.dir, st.subject, c)))
            shown->push_back(c);
        auto cursor =
            page.more ? encode_cursor(page.last_ts, page.last_id) : std::string{};
        unread_query q;
        q.user = st.subject;
        q.sees_internal = visibility::sees_internal(st.svc.dir->user(st.subject).get());
        for (const auto& c : *shown)
          q.convs.push_back(c.id);
        ask_storage(
            self, st.svc.db.any(), rid,
            [=](const unread_result& unread) {
              if (unread.failed || unread.counts.size() != shown->size())
                return send_storage_unavailable(self, rid);
              std::vector<std::string> items;
              for (std::size_t i = 0; i < shown->size(); ++i) {
                protocol::map_builder item;
                protocol::put_conversation(item, (*shown)[i]);
                item.uint("unread", unread.counts[i]);
                items.push_back(item.finish());
              }
              protocol::map_builder f;
              f.raw_array("items", items);
              if (!cursor.empty()) f.str("cursor", cursor);
              send_frame(self, reply_ok(rid, f));
            },
            unread_atom_v, std::move(q));
      },
      list_atom_v, lr);
}

void op_conv_open(session_self self, const protocol::request& req, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  auto& st = self->state;
  protocol::args a{req};
  auto since = a.opt_seq("since");
  auto conv = conv_arg(self, a, rid);
  if (!conv) return;
  if (!st.open.count(*conv) && st.open.size() >= limits::max_open_conversations)
    return send_error(self, rid, error_code::conflict,
                      "at most 256 conversations may be open on one connection");
  open_request o;
  o.rid = rid;
  o.conv = *conv;
  o.user = st.subject;
  o.has_since = since.has_value();
  o.since = since.value_or(0);
  o.session = caf::actor_cast<session_actor>(self);
  o.out = st.out;
  auto id = *conv;
  // Under the session's own deadline, like every request to a conversation (a CAF
  // request timeout costs two wake-ups of its clock thread).
  auto ticket = await_answer(self, rid);
  self->request(st.svc.registry, caf::infinite, open_atom_v, std::move(o))
      .then(
          [=](const frame& f) {
            if (!take_answer(self, ticket)) return; // the client was told unavailable
            if (!reply_is_ok(f)) return send_frame(self, f);
            self->state.open.insert(id);
            send_frame(self, f);
            // The reply is queued on the connection: the conversation (the
            // responder, the registry delegated to it) may push straight to it now.
            // In a cluster a conversation on another node answered through the
            // registry, which passes `opened` on to it.
            const auto& from = self->current_sender();
            if (from == caf::actor_cast<caf::strong_actor_ptr>(self->state.svc.registry))
              self->send(self->state.svc.registry, opened_atom_v, id);
            else
              self->send(caf::actor_cast<conversation_actor>(from), opened_atom_v);
          },
          [=](const caf::error&) {
            if (take_answer(self, ticket))
              send_error(self, rid, error_code::unavailable,
                         "conversation unavailable; retry");
          });
}

void op_conv_close(session_self self, const protocol::request& req, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  auto& st = self->state;
  protocol::args a{req};
  auto conv = conv_arg(self, a, rid);
  if (!conv) return;
  if (!st.open.erase(*conv)) return send_frame(self, reply_ok(rid)); // nothing to close
  close_request c{rid, *conv, st.subject, caf::actor_cast<session_actor>(self)};
  ask_conversation(self, close_atom_v, std::move(c));
}

void op_msg_send(session_self self, const protocol::request& req, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  protocol::args a{req};
  send_request s;
  s.rid = rid;
  s.user = self->state.subject;
  s.cid = std::string{a.str("cid", 1, limits::max_cid_bytes)};
  if (!read_message_fields(self, a, req.root(), rid, s.body, s.format, s.mentions,
                           s.internal))
    return;
  auto reply_to = a.opt_uint("reply_to");
  if (a.ok() && reply_to && *reply_to == 0) a.fail("'reply_to' must be a seq (>= 1)");
  s.reply_to = reply_to.value_or(0);
  auto conv = conv_arg(self, a, rid);
  if (!conv) return;
  s.conv = *conv;
  if (!read_attachment_refs(self, req.root(), rid, s.attachments)) return;
  if (!s.attachments.empty()) return send_with_attachments(self, std::move(s));
  ask_conversation(self, send_atom_v, std::move(s));
}

namespace {

void op_members(session_self self, const protocol::request& req, std::uint64_t rid,
                bool add) {
  if (!require_user(self, rid)) return;
  protocol::args a{req};
  members_request m;
  m.rid = rid;
  m.user = self->state.subject;
  m.add = add;
  m.users = a.id_list("users", limits::max_participants, true);
  if (a.ok() && m.users.empty()) a.fail("'users' must name at least one user");
  auto conv = conv_arg(self, a, rid);
  if (!conv) return;
  m.conv = *conv;
  std::sort(m.users.begin(), m.users.end());
  m.users.erase(std::unique(m.users.begin(), m.users.end()), m.users.end());
  ask_conversation(self, members_atom_v, std::move(m));
}

} // namespace

void op_conv_participants_add(session_self self, const protocol::request& req,
                              std::uint64_t rid) {
  op_members(self, req, rid, true);
}

void op_conv_participants_remove(session_self self, const protocol::request& req,
                                 std::uint64_t rid) {
  op_members(self, req, rid, false);
}

void op_read(session_self self, const protocol::request& req, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  protocol::args a{req};
  read_request r;
  r.rid = rid;
  r.user = self->state.subject;
  r.seq = a.seq("seq");
  if (a.ok() && r.seq == 0) a.fail("'seq' must be a seq (>= 1)");
  auto conv = conv_arg(self, a, rid);
  if (!conv) return;
  r.conv = *conv;
  ask_conversation(self, read_atom_v, std::move(r));
}

void op_typing(session_self self, const protocol::request& req,
               std::optional<std::uint64_t> rid) {
  auto& st = self->state;
  // Answers only a typing that carried a rid.
  auto refuse = [&](error_code code, std::string_view message) {
    if (rid) send_error(self, rid, code, message);
  };
  if (!st.budget.take(steady_ms()))
    return refuse(error_code::rate_limited,
                  "too many requests on this connection; slow down and retry");
  if (!st.is_user) return refuse(error_code::forbidden, "a service token cannot type");
  protocol::args a{req};
  typing_request t;
  t.wants_reply = rid.has_value();
  t.rid = rid.value_or(0);
  t.user = st.subject;
  auto state = a.str("state", 1, 8);
  t.internal = a.opt_bool("internal").value_or(false);
  auto conv = a.str("conv", 1, limits::max_id_bytes);
  if (a.ok() && state != "start" && state != "stop")
    a.fail("'state' must be start or stop");
  if (!a.ok()) return refuse(error_code::bad_request, a.error());
  if (!valid_conversation_id(conv)) {
    if (rid) send_frame(self, reply_not_found(*st.svc.stats, *rid));
    return;
  }
  t.conv = std::string{conv};
  t.start = state == "start";
  t.session = caf::actor_cast<session_actor>(self);
  // No CAF request timeout: in CAF 0.17 each costs two wake-ups of its clock
  // thread (set, then cancel), and a chat sends a typing event or two per message.
  // A typing with a rid waits like any request to a conversation, under the
  // session's own deadline; one without waits for nothing (a conversation that is
  // gone still fails the request at once, and there is nobody to tell).
  if (t.wants_reply) return ask_conversation(self, typing_atom_v, std::move(t));
  self->request(st.svc.registry, caf::infinite, typing_atom_v, std::move(t))
      .then([](const frame&) {}, [](const caf::error&) {});
}

void op_msg_around(session_self self, const protocol::request& req, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  protocol::args a{req};
  around_request r;
  r.rid = rid;
  r.user = self->state.subject;
  r.seq = a.seq("seq");
  r.limit = a.opt_uint("limit").value_or(limits::default_around_limit);
  if (a.ok() && r.seq == 0) a.fail("'seq' must be a seq (>= 1)");
  if (a.ok() && (r.limit < 1 || r.limit > limits::max_around_limit))
    a.fail("'limit' must be 1..100");
  auto conv = conv_arg(self, a, rid);
  if (!conv) return;
  r.conv = *conv;
  ask_conversation(self, around_atom_v, std::move(r));
}

void op_msg_history(session_self self, const protocol::request& req, std::uint64_t rid) {
  if (!require_user(self, rid)) return;
  protocol::args a{req};
  history_request h;
  h.rid = rid;
  h.user = self->state.subject;
  auto before = a.opt_seq("before");
  auto after = a.opt_seq("after");
  auto limit = a.opt_uint("limit").value_or(limits::default_history_limit);
  if (a.ok() && before && after) a.fail("give 'before' or 'after', not both");
  if (a.ok() && (limit < 1 || limit > limits::max_history_limit))
    a.fail("'limit' must be 1..200");
  auto conv = conv_arg(self, a, rid);
  if (!conv) return;
  h.conv = *conv;
  h.has_before = before.has_value();
  h.before = before.value_or(0);
  h.has_after = after.has_value();
  h.after = after.value_or(0);
  h.limit = limit;
  ask_conversation(self, history_atom_v, std::move(h));
}

} // namespace parley

// admin.* ops: provisioning by the host application (docs/protocol.md §4).
#include <algorithm>

#include "actors/node/directory_change.hpp"
#include "actors/node/replies.hpp"
#include "actors/rules/ai_rules.hpp"
#include "actors/rules/invite_rules.hpp"
#include "actors/session/session.hpp"
#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"

namespace parley {

namespace {

using protocol::error_code;

bool require_admin(session_self self, std::uint64_t rid) {
  if (self->state.admin) return true;
  send_error(self, rid, error_code::forbidden, "admin token required");
  return false;
}

bool one_of(std::string_view v, std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed)
    if (v == a) return true;
  return false;
}

/// Reads `settings` into `org`, keeping defaults for absent keys.
void read_settings(const msgpack::object& s, protocol::org_info& org, protocol::args& a) {
  auto text = [&](const char* key) -> std::optional<std::string_view> {
    auto o = protocol::find_in_map(s, key);
    if (!o) return std::nullopt;
    if (o->type != msgpack::type::STR) {
      a.fail(std::string{"settings."} + key + " must be a string");
      return std::nullopt;
    }
    std::string_view v{o->via.str.ptr, o->via.str.size};
    if (!protocol::valid_text(v)) {
      a.fail(std::string{"settings."} + key + " must be UTF-8 text without U+0000");
      return std::nullopt;
    }
    return v;
  };
  auto number = [&](const char* key) -> std::optional<std::uint64_t> {
    auto o = protocol::find_in_map(s, key);
    if (!o) return std::nullopt;
    if (o->type != msgpack::type::POSITIVE_INTEGER) {
      a.fail(std::string{"settings."} + key + " must be a non-negative integer");
      return std::nullopt;
    }
    return o->via.u64;
  };
  if (auto v = text("connect_policy")) {
    if (!one_of(*v, {"all", "admins", "none"}))
      a.fail("settings.connect_policy must be all, admins or none");
    org.connect_policy = *v;
  }
  if (auto v = text("closing_notes")) {
    if (!one_of(*v, {"off", "optional", "required"}))
      a.fail("settings.closing_notes must be off, optional or required");
    org.closing_notes = *v;
  }
  if (auto v = number("window_hours")) {
    if (*v > 24 * 365) a.fail("settings.window_hours is too large");
    org.window_hours = static_cast<std::int64_t>(*v);
  }
  if (auto v = text("alias")) {
    if (v->empty() || v->size() > protocol::limits::max_id_bytes)
      a.fail("settings.alias must be a user id");
    org.alias = std::string{*v};
  }
  if (auto v = number("max_attachment_bytes")) {
    if (*v > (1ull << 40)) a.fail("settings.max_attachment_bytes is too large");
    org.max_attachment_bytes = static_cast<std::int64_t>(*v);
  }
  if (auto o = protocol::find_in_map(s, "attachment_types")) {
    org.attachment_types.clear();
    if (o->type != msgpack::type::ARRAY || o->via.array.size > 100) {
      a.fail("settings.attachment_types must be a list of extensions");
    } else {
      for (std::uint32_t i = 0; i < o->via.array.size; ++i) {
        const auto& e = o->via.array.ptr[i];
        std::string_view ext = e.type == msgpack::type::STR
                                   ? std::string_view{e.via.str.ptr, e.via.str.size}
                                   : std::string_view{};
        bool ok = !ext.empty() && ext.size() <= 16;
        for (char c : ext)
          if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) ok = false;
        if (!ok) {
          a.fail("settings.attachment_types must hold lower-case extensions");
          break;
        }
        org.attachment_types.emplace_back(ext);
      }
    }
  }
  if (auto v = text("support_assignee")) {
    // "" clears it.
    if (v->size() > protocol::limits::max_id_bytes)
      a.fail("settings.support_assignee must be a user id");
    if (v->empty())
      org.support_assignee.reset();
    else
      org.support_assignee = std::string{*v};
  }
  if (auto o = protocol::find_in_map(s, "display_as_alias")) {
    if (o->type != msgpack::type::BOOLEAN)
      a.fail("settings.display_as_alias must be a boolean");
    else
      org.display_as_alias = o->via.boolean;
  }
}

/// Runs the next queued admin op, if any and none is running.
void run_admin_queue(session_self self) {
  auto& st = self->state;
  if (st.admin_busy || st.admin_queue.empty()) return;
  st.admin_busy = true;
  auto next = std::move(st.admin_queue.front());
  st.admin_queue.pop_front();
  next();
}

void admin_done(session_self self) {
  self->state.admin_busy = false;
  run_admin_queue(self);
}

directory_change change_of(const protocol::org_info& v) {
  return org_changed(v);
}
directory_change change_of(const protocol::user_info& v) {
  return user_changed(v);
}
directory_change change_of(const protocol::company_info& v) {
  return company_changed(v);
}
directory_change change_of(const protocol::team_info& v) {
  return team_changed(v);
}
directory_change change_of(const ai_config_put& v) {
  return ai_changed(v);
}

/// Stores `value` through the database, then updates the directory cache (every
/// node's, in a cluster) and replies; the cache never holds what the database
/// refused.
template <class Value, class Apply, class Atom = put_atom>
void store(session_self self, std::uint64_t rid, Value value, Apply apply,
           std::string missing_reference_message, Atom atom = Atom{}) {
  auto& st = self->state;
  self->request(st.svc.db.any(), st.svc.config->request_timeout, atom, value)
      .then(
          [=](const db_ack& ack) mutable {
            if (ack.ok) {
              // In a cluster every other node's cache holds the change before the
              // reply (and before the next admin op runs).
              auto change = change_of(value);
              apply(std::move(value));
              publish_change(self, std::move(change), [=] {
                send_frame(self, reply_ok(rid));
                admin_done(self);
              });
              return;
            } else if (ack.conflict) {
              send_error(self, rid, error_code::conflict,
                         "this id belongs to another organisation");
            } else if (ack.missing_reference) {
              send_error(self, rid, error_code::bad_request, missing_reference_message);
            } else {
              send_storage_unavailable(self, rid);
            }
            admin_done(self);
          },
          [=](const caf::error&) {
            send_storage_unavailable(self, rid);
            admin_done(self);
          });
}

} // namespace

void org_put_now(session_self self, const protocol::request& req, std::uint64_t rid) {
  protocol::args a{req};
  protocol::org_info org;
  org.id = a.id("org");
  org.name = a.str("name", 1, protocol::limits::max_text_bytes);
  // Re-putting an org without settings keeps its current ones.
  if (auto current = self->state.svc.dir->org(org.id)) {
    auto name = org.name;
    org = *current;
    org.name = name;
  }
  if (auto s = a.opt_map("settings")) read_settings(*s, org, a);
  if (!a.ok()) {
    send_error(self, rid, error_code::bad_request, a.error());
    return admin_done(self);
  }
  auto dir = self->state.svc.dir;
  store(
      self, rid, std::move(org),
      [dir](protocol::org_info o) { dir->put_org(std::move(o)); }, "unknown reference");
}

void user_put_now(session_self self, const protocol::request& req, std::uint64_t rid) {
  protocol::args a{req};
  protocol::user_info u;
  u.id = a.id("user");
  u.org = a.id("org");
  auto kind = a.str("kind", 1, 16);
  auto role = a.opt_str("role", 1, 16);
  u.name = a.str("name", 1, protocol::limits::max_text_bytes);
  if (auto email = a.opt_str("email", 3, 320)) u.email = std::string{*email};
  if (auto company = a.opt_str("company", 1, protocol::limits::max_id_bytes))
    u.company = std::string{*company};
  if (a.ok()) {
    if (auto k = protocol::parse_user_kind(kind))
      u.kind = *k;
    else
      a.fail("'kind' must be staff, client, contact, ai or bot");
  }
  if (a.ok() && role) {
    if (u.kind != protocol::user_kind::staff)
      a.fail("'role' applies to staff users only");
    else if (auto r = protocol::parse_staff_role(*role))
      u.role = *r;
    else
      a.fail("'role' must be owner, admin, member or guest");
  }
  if (a.ok() && u.kind == protocol::user_kind::staff && !u.role)
    u.role = protocol::staff_role::member;
  if (a.ok() && u.kind == protocol::user_kind::client && !u.company)
    a.fail("a client user needs 'company'");
  if (a.ok() && u.kind != protocol::user_kind::client && u.company)
    a.fail("'company' applies to client users only");
  if (a.ok() && u.email) {
    // Stored in the one normal form invitations and blocks compare byte for byte
    // (ASCII letters lower-cased); a string that is no address is refused here,
    // so no stored email can fail to normalise later.
    if (auto normal = invite_rules::normalize_email(*u.email))
      u.email = std::move(*normal);
    else
      a.fail("'email' must be an address: one '@' with text on both sides, no spaces");
  }
  auto& dir = *self->state.svc.dir;
  if (a.ok() && !dir.org(u.org)) a.fail("unknown org '" + u.org + "'");
  if (a.ok() && u.company) {
    auto c = dir.company(*u.company);
    if (!c || c->org != u.org) a.fail("unknown company '" + *u.company + "'");
  }
  if (!a.ok()) {
    send_error(self, rid, error_code::bad_request, a.error());
    return admin_done(self);
  }
  auto shared_dir = self->state.svc.dir;
  auto registry = self->state.svc.registry;
  store(
      self, rid, std::move(u),
      [self, shared_dir, registry](protocol::user_info v) {
        shared_dir->put_user(std::move(v));
        // A re-put user's rights change at once on open subscriptions.
        self->send(registry, recheck_atom_v);
      },
      "unknown org");
}

void company_put_now(session_self self, const protocol::request& req, std::uint64_t rid) {
  protocol::args a{req};
  protocol::company_info c;
  c.id = a.id("company");
  c.org = a.id("org");
  c.name = a.str("name", 1, protocol::limits::max_text_bytes);
  auto dir = self->state.svc.dir;
  if (a.ok() && !dir->org(c.org)) a.fail("unknown org '" + c.org + "'");
  if (!a.ok()) {
    send_error(self, rid, error_code::bad_request, a.error());
    return admin_done(self);
  }
  store(
      self, rid, std::move(c),
      [dir](protocol::company_info v) { dir->put_company(std::move(v)); }, "unknown org");
}

void team_put_now(session_self self, const protocol::request& req, std::uint64_t rid) {
  protocol::args a{req};
  protocol::team_info t;
  t.id = a.id("team");
  t.org = a.id("org");
  t.name = a.str("name", 1, protocol::limits::max_text_bytes);
  t.members = a.id_list("members", protocol::limits::max_participants, true);
  auto dir = self->state.svc.dir;
  if (a.ok() && !dir->org(t.org)) a.fail("unknown org '" + t.org + "'");
  for (const auto& m : t.members) {
    if (!a.ok()) break;
    auto u = dir->user(m);
    if (!u || u->org != t.org) a.fail("unknown member '" + m + "'");
  }
  if (!a.ok()) {
    send_error(self, rid, error_code::bad_request, a.error());
    return admin_done(self);
  }
  std::sort(t.members.begin(), t.members.end());
  t.members.erase(std::unique(t.members.begin(), t.members.end()), t.members.end());
  store(
      self, rid, std::move(t),
      [dir](protocol::team_info v) { dir->put_team(std::move(v)); },
      "unknown org or member");
}

void favorites_set_now(session_self self, const protocol::request& req,
                       std::uint64_t rid) {
  protocol::args a{req};
  favorites_change change;
  change.user = a.id("user");
  change.op = static_cast<std::uint8_t>(protocol::favorites_op::set);
  change.companies = a.id_list("companies", protocol::limits::max_participants, true);
  if (a.ok()) {
    auto u = self->state.svc.dir->user(change.user);
    if (!u)
      a.fail("unknown user '" + change.user + "'");
    else if (auto problem = favorites_problem(*self->state.svc.dir, *u, change.companies))
      a.fail(*problem);
  }
  if (!a.ok()) {
    send_error(self, rid, error_code::bad_request, a.error());
    return admin_done(self);
  }
  apply_favorites(self, rid, std::move(change), [self] { admin_done(self); });
}

/// Reads `rules: [{match: [str], reply: str}]` (shapes only; ai_rules::validate
/// checks the contents).
std::vector<ai_rules::rule> read_ai_rules(const msgpack::object* o, protocol::args& a) {
  std::vector<ai_rules::rule> rules;
  if (!o) return rules;
  if (o->type != msgpack::type::ARRAY || o->via.array.size > ai_rules::max_rules) {
    a.fail("'rules' must be a list of at most " + std::to_string(ai_rules::max_rules) +
           " rules");
    return rules;
  }
  auto text = [](const msgpack::object& x) {
    return std::string{x.via.str.ptr, x.via.str.size};
  };
  for (std::uint32_t i = 0; i < o->via.array.size && a.ok(); ++i) {
    const auto& r = o->via.array.ptr[i];
    auto where = "rule " + std::to_string(i) + ": ";
    auto match = protocol::find_in_map(r, "match");
    auto reply = protocol::find_in_map(r, "reply");
    if (r.type != msgpack::type::MAP || !match || match->type != msgpack::type::ARRAY ||
        match->via.array.size > ai_rules::max_match_entries || !reply ||
        reply->type != msgpack::type::STR) {
      a.fail(where + "must be {match: [words] (at most " +
             std::to_string(ai_rules::max_match_entries) + "), reply: text}");
      break;
    }
    ai_rules::rule rule;
    for (std::uint32_t k = 0; k < match->via.array.size; ++k) {
      const auto& m = match->via.array.ptr[k];
      if (m.type != msgpack::type::STR) {
        a.fail(where + "match entries must be strings");
        break;
      }
      rule.match.push_back(text(m));
    }
    rule.reply = text(*reply);
    rules.push_back(std::move(rule));
  }
  return rules;
}

void ai_put_now(session_self self, const protocol::request& req, std::uint64_t rid) {
  protocol::args a{req};
  auto user = std::string{a.id("user")};
  ai_rules::config cfg;
  cfg.rules = read_ai_rules(req.find("rules"), a);
  if (auto f = a.opt_str("fallback", 0, ai_rules::max_reply_bytes + 1))
    cfg.fallback = std::string{*f};
  cfg.delay_ms = a.opt_int("delay_ms").value_or(ai_rules::default_delay_ms);
  auto dir = self->state.svc.dir;
  if (a.ok()) {
    auto u = dir->user(user);
    if (!u || u->kind != protocol::user_kind::ai)
      a.fail("unknown ai user '" + user + "'");
    else if (auto problem = ai_rules::validate(cfg))
      a.fail(*problem);
  }
  if (!a.ok()) {
    send_error(self, rid, error_code::bad_request, a.error());
    return admin_done(self);
  }
  ai_config_put put;
  put.user = user;
  for (const auto& r : cfg.rules) {
    put.match.push_back(r.match);
    put.reply.push_back(r.reply);
  }
  put.fallback = cfg.fallback;
  put.delay_ms = cfg.delay_ms;
  store(
      self, rid, std::move(put),
      [dir, user, cfg](ai_config_put) mutable {
        dir->put_ai_agent(user, std::move(cfg));
      },
      "unknown ai user '" + user + "'", ai_atom_v);
}

/// Queues an admin op behind the ones still running (the request copy shares the
/// decoded frame).
void enqueue_admin(session_self self, const protocol::request& req, std::uint64_t rid,
                   void (*run)(session_self, const protocol::request&, std::uint64_t)) {
  if (!require_admin(self, rid)) return;
  self->state.admin_queue.push_back([self, req, rid, run] { run(self, req, rid); });
  run_admin_queue(self);
}

void op_admin_org_put(session_self self, const protocol::request& req,
                      std::uint64_t rid) {
  enqueue_admin(self, req, rid, org_put_now);
}

void op_admin_user_put(session_self self, const protocol::request& req,
                       std::uint64_t rid) {
  enqueue_admin(self, req, rid, user_put_now);
}

void op_admin_company_put(session_self self, const protocol::request& req,
                          std::uint64_t rid) {
  enqueue_admin(self, req, rid, company_put_now);
}

void op_admin_team_put(session_self self, const protocol::request& req,
                       std::uint64_t rid) {
  enqueue_admin(self, req, rid, team_put_now);
}

void op_admin_favorites_set(session_self self, const protocol::request& req,
                            std::uint64_t rid) {
  enqueue_admin(self, req, rid, favorites_set_now);
}

void op_admin_ai_put(session_self self, const protocol::request& req, std::uint64_t rid) {
  enqueue_admin(self, req, rid, ai_put_now);
}

} // namespace parley

#include "server/demo.hpp"

#include <chrono>
#include <ostream>

#include <caf/scoped_actor.hpp>
#include <msgpack.hpp>

#include "actors/api/interfaces.hpp"
#include "actors/node/clock.hpp"
#include "actors/rules/ids.hpp"
#include "protocol/codec.hpp"
#include "protocol/jwt.hpp"
#include "storage/directory_queries.hpp"

namespace parley::server::demo {

namespace {

constexpr const char* org_id = "demo";
constexpr const char* creator = "alice";
// conv.create's idempotency key: a second --demo run finds the first one's.
constexpr const char* welcome_cid = "demo-welcome";

struct demo_user {
  const char* id;
  const char* name;
};

constexpr demo_user users[] = {
    {"alice", "Alice Archer"}, {"bob", "Bob Baker"}, {"carol", "Carol Chen"}};

constexpr auto timeout = std::chrono::seconds{30};

} // namespace

const std::vector<std::string>& user_ids() {
  static const std::vector<std::string> ids = [] {
    std::vector<std::string> v;
    for (const auto& u : users)
      v.emplace_back(u.id);
    return v;
  }();
  return ids;
}

bool provision_directory(storage::pg::connection& db, std::string& error) {
  auto now = now_ms();
  protocol::org_info org;
  org.id = org_id;
  org.name = "Parley demo";
  if (auto r = storage::put_org(db, org, now); !r.ok()) {
    error = "demo org: " + r.error;
    return false;
  }
  for (const auto& u : users) {
    protocol::user_info info;
    info.id = u.id;
    info.org = org_id;
    info.kind = protocol::user_kind::staff;
    info.name = u.name;
    info.email = std::string{u.id} + "@demo.parley.invalid";
    if (auto r = storage::put_user(db, info, now); !r.ok()) {
      error = std::string{"demo user "} + u.id + ": " + r.error;
      return false;
    }
  }
  return true;
}

bool ensure_welcome(caf::actor_system& sys, const session_handles& peers,
                    std::string& error) {
  caf::scoped_actor self{sys};
  bool ok = false;
  std::string existing;
  self->request(peers.db.any(), timeout, created_atom_v, std::string{creator},
                std::string{welcome_cid})
      .receive(
          [&](const created_lookup& found) {
            ok = !found.failed;
            existing = found.conv;
            if (found.failed) error = "welcome conversation: storage unavailable";
          },
          [&](const caf::error& e) { error = "welcome conversation: " + to_string(e); });
  if (!ok || !existing.empty()) return ok;

  create_request cr;
  auto& conv = cr.conv;
  conv.id = new_conversation_id();
  conv.kind = protocol::conv_kind::private_;
  conv.org = org_id;
  conv.subject = "Welcome to Parley";
  conv.created_by = creator;
  conv.created_at = now_ms();
  conv.last_ts = conv.created_at;
  conv.participants = user_ids();
  cr.create_cid = welcome_cid;
  cr.has_first = true;
  auto& m = cr.first;
  m.conv = conv.id;
  m.seq = 1;
  m.ts = conv.created_at;
  m.author = creator;
  m.cid = welcome_cid;
  m.body = "Welcome! Open this page as bob or carol too (parleyd printed a URL for "
           "each) and chat: replies, typing, read markers and attachments all work.";
  conv.last_seq = 1;
  ok = false;
  self->request(peers.registry, timeout, create_atom_v, std::move(cr))
      .receive(
          [&](const frame& reply) {
            // The conversation answers like conv.create: {ok: true, conv} or an error.
            auto handle = msgpack::unpack(reply.view().data(), reply.size());
            auto ok_field = protocol::find_in_map(handle.get(), "ok");
            ok = ok_field && ok_field->type == msgpack::type::BOOLEAN &&
                 ok_field->via.boolean;
            if (!ok) error = "welcome conversation refused";
          },
          [&](const caf::error& e) { error = "welcome conversation: " + to_string(e); });
  return ok;
}

void print_login_urls(std::ostream& out, const std::string& host, std::uint16_t port,
                      const std::string& secret, std::int64_t ttl_seconds) {
  auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count() +
             ttl_seconds;
  auto shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out << "demo: org '" << org_id << "', a login URL per user (open each in its own "
      << "browser window or profile; valid " << ttl_seconds / 3600 << " h):\n";
  for (const auto& u : users) {
    protocol::token_claims claims;
    claims.sub = u.id;
    claims.exp = exp;
    out << "  " << u.id << std::string(8 - std::char_traits<char>::length(u.id), ' ')
        << "http://" << shown << ":" << port
        << "/#token=" << protocol::sign_token(claims, secret) << "\n";
  }
  out.flush();
}

} // namespace parley::server::demo

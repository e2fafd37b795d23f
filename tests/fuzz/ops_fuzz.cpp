// libFuzzer target: every op through the real session actor (actors/session) and its
// real op table, so each op's argument validation sees the fuzzer's frames exactly
// as a client's. The session runs under CAF's deterministic test scheduler with
// scripted peers (tests/actors/scripted_peers.hpp): a db pool that answers every
// read and write with an empty result, a registry and blob stores that refuse every
// request (so the session answers `unavailable`), except that the registry checks
// what validation let through for the ops that write text.
//
// Input: the first byte picks who is connected (staff, contact, client, an admin
// service token); the rest is up to 8 frames, cut at each 0xC1 byte (a byte no
// MessagePack encoding uses). The session says hello first. Invariants:
//  - every frame the session writes is one MessagePack map with an `op`; a reply's
//    `rid` is the request's or nil, an error's code is a known one and its message
//    valid UTF-8;
//  - a request with a rid (`typing` included) gets exactly one reply, and no
//    request gets two, unless the session closed the connection;
//  - a msg.send or conv.create that reaches the registry carries only valid text:
//    UTF-8, no U+0000, within the limits.
// Built twice (see CMakeLists.txt): the replay links the actors the project
// compiler built; the libFuzzer binary instruments the session's sources.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "actors/api/messages.hpp"
#include "actors/node/clock.hpp"
#include "actors/session/session.hpp"
#include "protocol/codec.hpp"
#include "protocol/jwt.hpp"
#include "protocol/limits.hpp"
#include "protocol/utf8.hpp"
#include "tests/actors/scripted_peers.hpp"
#include "tests/fuzz/must.hpp"

namespace {

using namespace parley;
using namespace parley::scripted;
using protocol::user_kind;
namespace limits = protocol::limits;

/// The client's side of the connection.
class recording_outbound : public outbound {
public:
  void send(frame f) override { frames.push_back(std::move(f)); }
  void close(std::uint16_t, std::string) override { closed = true; }
  std::vector<frame> frames;
  bool closed = false;
};

bool text_ok(std::string_view s, std::size_t max) {
  return s.size() <= max && protocol::valid_text(s);
}

/// A message's text as validation must have left it.
void check_message_text(const std::string& body, const std::string& format,
                        const std::vector<std::string>& mentions) {
  must(body.size() <= limits::max_body_bytes && protocol::valid_utf8(body));
  must(body.find('\0') == std::string::npos);
  must(format == "text" || format == "markdown");
  must(mentions.size() <= limits::max_mentions);
  for (const auto& m : mentions)
    must(!m.empty() && text_ok(m, limits::max_id_bytes));
}

/// Stands in for the registry: checks what reaches it, refuses everything.
// The stand-ins below take a name they ignore: CAF 0.17 keeps a spawned
// function's argument tuple behind a shared_ptr that is null when the tuple is
// empty, and dereferences it, which UBSan and libstdc++'s assertions refuse.
caf::behavior checking_registry(caf::event_based_actor* self, std::string) {
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) {
    return caf::result<caf::message>{caf::make_error(caf::sec::unexpected_message)};
  });
  return {
      [](send_atom, const send_request& r) -> caf::result<frame> {
        must(!r.conv.empty() && text_ok(r.conv, limits::max_id_bytes));
        must(!r.cid.empty() && text_ok(r.cid, limits::max_cid_bytes));
        check_message_text(r.body, r.format, r.mentions);
        return caf::make_error(caf::sec::unexpected_message);
      },
      [](create_atom, const create_request& r) -> caf::result<frame> {
        if (r.has_first)
          check_message_text(r.first.body, r.first.format, r.first.mentions);
        return caf::make_error(caf::sec::unexpected_message);
      },
  };
}

/// A blob store that refuses everything (attachment claims answer `unavailable`).
caf::behavior refusing_store(caf::event_based_actor* self, std::string) {
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view&) {
    return caf::result<caf::message>{caf::make_error(caf::sec::unexpected_message)};
  });
  return {[](ping_atom) {}};
}

constexpr const char* secret = "fuzz-secret";

/// One actor system for the whole run; a session per input.
struct world : test_system {
  world() {
    svc.dir = std::make_shared<directory>();
    svc.stats = std::make_shared<metrics>();
    protocol::org_info org;
    org.id = "o1";
    org.name = "Org";
    org.alias = "help";
    svc.dir->put_org(org);
    auto alias = user("help", user_kind::staff);
    svc.dir->put_user(alias);
    auto admin = user("ann", user_kind::staff);
    admin.role = protocol::staff_role::admin;
    svc.dir->put_user(admin);
    svc.dir->put_user(user("bob", user_kind::staff));
    svc.dir->put_user(user("cli", user_kind::client));
    svc.dir->put_user(user("kim", user_kind::contact));
    auto config = std::make_shared<runtime_config>();
    config->token_secret = secret;
    config->rate_per_second = 0; // no rate limit: every frame reaches its op
    config->max_token_lifetime_s = 0;
    svc.config = config;
    svc.db = db_pool{{sys.spawn(scripted_db, conversation_snapshot{})}};
    svc.presence = sys.spawn(recording_presence, std::make_shared<std::vector<frame>>());
    svc.registry =
        caf::actor_cast<registry_actor>(sys.spawn(checking_registry, "registry"));
    svc.blobs = blob_pool{
        {caf::actor_cast<blob_store_actor>(sys.spawn(refusing_store, "blobs"))}};
    for (auto [who, adm] : std::vector<std::pair<std::string, bool>>{
             {"ann", false}, {"kim", false}, {"cli", false}, {"svc", true}}) {
      protocol::token_claims c;
      c.sub = who;
      c.admin = adm;
      c.exp = now_ms() / 1000 + 10 * 365 * 24 * 3600;
      protocol::map_builder b;
      b.str("op", "hello").uint("rid", 0).str("token", protocol::sign_token(c, secret));
      hellos.push_back(b.finish());
    }
    sched.run();
  }

  session_handles svc;
  std::vector<std::string> hellos;
};

world& the_world() {
  // Never destroyed: at exit CAF's own statics may already be gone, and tearing
  // the actor system down then corrupts the heap. The process ends right after.
  static auto* w = std::make_unique<world>().release();
  return *w;
}

/// What a request asks of the reply count: its rid when it must get exactly one.
/// A `typing` with a rid is answered like any request (docs/protocol.md); one
/// without has no rid and gets no reply.
std::optional<std::uint64_t> answered_rid(std::string_view bytes) {
  auto d = protocol::decode_request(bytes);
  if (!d.req) return std::nullopt;
  return d.req->rid();
}

void check_frame(const frame& f, std::map<std::uint64_t, int>& replies,
                 int& nil_replies) {
  auto d = protocol::decode_request(f.view());
  must(d.req.has_value());
  const auto& r = *d.req;
  must(!r.op().empty());
  if (r.op() != "reply") return;
  auto ok = r.find("ok");
  must(ok && ok->type == msgpack::type::BOOLEAN);
  if (!ok->via.boolean) {
    protocol::args a{r};
    auto code = a.str("code", 1, 64);
    must(a.ok() && protocol::parse_error_code(code).has_value());
    auto message = r.find("message");
    must(message && message->type == msgpack::type::STR &&
         protocol::valid_utf8({message->via.str.ptr, message->via.str.size}));
  }
  if (auto rid = r.rid())
    ++replies[*rid];
  else
    ++nil_replies;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  auto& w = the_world();
  std::string_view rest{reinterpret_cast<const char*>(data) + 1, size - 1};
  std::vector<std::string_view> frames;
  while (frames.size() < 8) {
    auto cut = rest.find('\xC1');
    frames.push_back(rest.substr(0, cut));
    if (cut == std::string_view::npos) break;
    rest.remove_prefix(cut + 1);
  }

  auto out = std::make_shared<recording_outbound>();
  auto s = w.sys.spawn(parley::session, w.svc, std::shared_ptr<outbound>{out});
  w.sched.run();
  caf::anon_send(s, frame_atom_v, w.hellos[data[0] % w.hellos.size()]);
  w.sched.run();
  must(out->frames.size() == 1 && reply_ok(out->frames[0]));
  out->frames.clear();

  std::map<std::uint64_t, int> expected; // rid -> requests carrying it
  for (auto f : frames) {
    if (auto rid = answered_rid(f)) ++expected[*rid];
    caf::anon_send(s, frame_atom_v, std::string{f});
    w.sched.run();
  }
  // Past every request deadline: whatever is still awaited is answered now.
  w.sched.advance_time(w.svc.config->request_timeout + std::chrono::seconds{1});
  w.sched.run();

  std::map<std::uint64_t, int> replies;
  int nil_replies = 0;
  for (const auto& f : out->frames)
    check_frame(f, replies, nil_replies);
  must(nil_replies <= static_cast<int>(frames.size()));
  for (const auto& [rid, n] : replies) {
    auto e = expected.find(rid);
    // A reply to a rid nobody sent, or more replies than requests.
    must(e != expected.end() && n <= e->second);
  }
  if (!out->closed)
    for (const auto& [rid, n] : expected)
      must(replies[rid] == n);

  caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  w.sched.run();
  return 0;
}

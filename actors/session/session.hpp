#pragma once

#include <chrono>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "actors/api/interfaces.hpp"
#include "actors/api/outbound.hpp"
#include "actors/api/pools.hpp"
#include "actors/node/clock.hpp"
#include "actors/node/directory.hpp"
#include "actors/node/metrics.hpp"
#include "actors/node/runtime_config.hpp"
#include "actors/node/timers.hpp"
#include "actors/rules/token_bucket.hpp"
#include "protocol/codec.hpp"

namespace parley {

/// What a session actor uses, handed to it at spawn (by net's WebSocket session).
/// It has no writer: messages reach the group commit through their conversation.
struct session_handles {
  std::shared_ptr<const runtime_config> config;
  std::shared_ptr<directory> dir;
  std::shared_ptr<metrics> stats;
  db_pool db;              // lists, inbox, search, invites, admin, favorites
  registry_actor registry; // conversation ops
  presence_actor presence; // attach, detach
  blob_pool blobs;         // claims of attachments on a send
  cluster_actor cluster;   // clustered: directory changes for the other nodes
  node_timers timers;      // the answer deadline
};

/// How this connection's requests reach one conversation. Through the registry
/// (which places the conversation and counts what it forwards for the passivation
/// handshake) until a reply names the incarnation; then straight to it, saving a
/// hop per request, as long as
/// - nothing sent through the registry is still unanswered, so requests keep the
///   order in which the client sent them, and
/// - the route was used within half the passivation delay: every request counts as
///   activity, so an incarnation used that recently cannot have passivated.
/// A failed direct request forgets the route (the client's retry takes the
/// registry). Only hot requests go direct: those with a `direct` flag.
struct conversation_route {
  conversation_api incarnation;
  std::size_t via_registry = 0; // sent through the registry, not yet answered
  std::chrono::steady_clock::time_point last_used;
};

/// Whom a request past its deadline names in its `unavailable` answer.
enum class awaited_from : std::uint8_t { conversation, storage };

/// A request to a conversation or a database actor whose answer the client still
/// waits for.
struct awaited_answer {
  std::int64_t deadline_ms = 0; // on the actor clock; then it is `unavailable`
  std::uint64_t rid = 0;
  awaited_from from = awaited_from::conversation;
};

struct session_state {
  static inline const char* name = "parley.session";

  session_handles svc;
  std::shared_ptr<outbound> out;
  std::string id; // session id, reported in the hello reply

  bool authenticated = false;
  bool admin = false;         // the token carries `adm: true`
  std::string subject;        // the token's `sub`
  std::int64_t token_exp = 0; // the token's `exp` (seconds): the connection closes then
  bool is_user = false;       // `sub` is a provisioned user (always true without adm)

  std::unordered_set<std::string> open; // conversations subscribed by conv.open

  /// Routes to the conversations this connection talks to (at most
  /// max_routes; idle ones are dropped first).
  std::unordered_map<std::string, conversation_route> routes;
  static constexpr std::size_t max_routes = 256;

  /// Requests to conversations awaiting their answers, by ticket. Tickets grow and
  /// every request has the same timeout, so the first is the next to expire: one
  /// timer per session (deadline_armed) instead of one CAF request timeout per
  /// request, each of which costs two wake-ups of CAF's clock thread
  /// (bench/RESULTS.md, "Hot path, round 2"). A map, not a deque: an empty
  /// libstdc++ deque allocates ~600 bytes, and most connections are idle.
  std::map<std::uint64_t, awaited_answer> awaiting;
  std::uint64_t next_ticket = 1;
  bool deadline_armed = false;

  /// The connection's request budget (set from the config at start).
  token_bucket budget{0, 1};

  /// admin.* ops apply one at a time, in the order sent, so a provisioning script
  /// may pipeline an org and then its users.
  /// A list, not a deque: libstdc++'s empty deque allocates ~600 bytes, and most
  /// connections never send an admin op (bench/RESULTS.md, "Hot path").
  std::list<std::function<void()>> admin_queue;
  bool admin_busy = false;
  bool closing = false;
};

using session_self = session_actor::stateful_pointer<session_state>;

/// Starts the actor for one connection. `out` is the connection's write side.
session_actor::behavior_type session(session_self self, session_handles svc,
                                     std::shared_ptr<outbound> out);

// -- helpers shared by the op handlers (session_*.cpp) ---------------------------

/// Sends a frame to the client unless the session is closing.
void send_frame(session_self self, const frame& f);

/// Sends an error reply and counts it.
void send_error(session_self self, std::optional<std::uint64_t> rid,
                protocol::error_code code, std::string_view message);

/// Closes the connection with a WebSocket close code and stops the session.
void close_session(session_self self, std::uint16_t code, std::string reason);

/// The incarnation to send a request for `conv` to directly, if the route allows
/// it now (see conversation_route).
conversation_api direct_route(session_self self, const std::string& conv);
/// A request for `conv` goes through the registry.
void route_via_registry(session_self self, const std::string& conv);
/// A reply to such a request came from `sender` (or failed: null).
void route_answered(session_self self, const std::string& conv,
                    const caf::strong_actor_ptr& sender);
/// A direct request failed: the route goes back through the registry.
void route_failed(session_self self, const std::string& conv);

/// Sends a request to its conversation (directly when the route allows, else
/// through the registry) and its reply frame to the client; an unreachable
/// conversation or a timeout answers `unavailable`.
/// A request to a conversation (or a database actor) is on its way: its answer
/// is due within the configured request timeout. Returns its ticket.
std::uint64_t await_answer(session_self self, std::uint64_t rid,
                           awaited_from from = awaited_from::conversation);

/// The answer of `ticket` is here: true when the client still waits for it, false
/// when its deadline already answered `unavailable` (the late answer is dropped).
bool take_answer(session_self self, std::uint64_t ticket);

/// The deadline timer: every request past its deadline is answered `unavailable`.
void expire_answers(session_self self);

template <class Atom, class Request>
void ask_conversation(session_self self, Atom atom, Request req) {
  auto rid = req.rid;
  // No CAF timeout: the session's own deadline answers a request that takes too
  // long (await_answer), and a request to an actor that is gone fails at once.
  auto timeout = caf::infinite;
  auto ticket = await_answer(self, rid);
  auto unavailable = [=] {
    if (take_answer(self, ticket))
      send_error(self, rid, protocol::error_code::unavailable,
                 "conversation unavailable; retry");
  };
  auto answer = [=](const frame& f) {
    if (take_answer(self, ticket)) send_frame(self, f);
  };
  if constexpr (requires { req.direct; }) {
    auto conv = req.conv;
    if (auto to = direct_route(self, conv)) {
      req.direct = true;
      self->request(to, timeout, atom, std::move(req))
          .then(answer, [=](const caf::error&) {
            route_failed(self, conv);
            unavailable();
          });
      return;
    }
    route_via_registry(self, conv);
    self->request(self->state.svc.registry, timeout, atom, std::move(req))
        .then(
            [=](const frame& f) {
              route_answered(self, conv, self->current_sender());
              answer(f);
            },
            [=](const caf::error&) {
              route_answered(self, conv, nullptr);
              unavailable();
            });
  } else {
    self->request(self->state.svc.registry, timeout, atom, std::move(req))
        .then(answer, [=](const caf::error&) { unavailable(); });
  }
}

/// A directory change this session stored and applied here: in a cluster, `then`
/// runs once every other live node has applied it too (the admin's reply comes
/// after that); on a single node it runs at once.
void publish_change(session_self self, directory_change change,
                    std::function<void()> then);

/// Answers `rid` with `unavailable`: the database failed or did not answer in
/// time. Safe to retry (a send with the same cid never duplicates).
void send_storage_unavailable(session_self self, std::uint64_t rid);

namespace session_detail {

/// `f` with the same parameters, run only while the client still waits for
/// `ticket` (CAF's typed `then` needs the answer's type spelt out, not deduced).
template <class F, class... Args>
auto answered_in_time(session_self self, std::uint64_t ticket, F f,
                      caf::detail::type_list<Args...>) {
  return [=](Args... xs) mutable {
    if (take_answer(self, ticket)) f(std::forward<Args>(xs)...);
  };
}

} // namespace session_detail

/// A request to a database actor under the session's own deadline (await_answer)
/// rather than a CAF request timeout, which in CAF 0.17 costs two wake-ups of its
/// clock thread (set, then cancel). `on_answer` runs if the answer comes in time;
/// a failed request, or none within the request timeout, answers the client
/// `unavailable` (storage) once.
template <class Dest, class OnAnswer, class... Ts>
void ask_storage(session_self self, const Dest& dest, std::uint64_t rid,
                 OnAnswer on_answer, Ts&&... xs) {
  auto ticket = await_answer(self, rid, awaited_from::storage);
  using answer_types = typename caf::detail::get_callable_trait<OnAnswer>::arg_types;
  self->request(dest, caf::infinite, std::forward<Ts>(xs)...)
      .then(session_detail::answered_in_time(self, ticket, std::move(on_answer),
                                             answer_types{}),
            [=](const caf::error&) {
              if (take_answer(self, ticket)) send_storage_unavailable(self, rid);
            });
}

/// Ops that act as a provisioned user; a pure service token cannot (`forbidden`).
bool require_user(session_self self, std::uint64_t rid);

/// Reads the `conv` argument. A string that is no conversation id cannot name a
/// readable conversation: `not_found`, like any conversation the caller cannot see.
std::optional<std::string> conv_arg(session_self self, protocol::args& a,
                                    std::uint64_t rid);

/// Why `user` may not hold `companies` as favourites, if it may not.
std::optional<std::string> favorites_problem(const directory& dir,
                                             const protocol::user_info& user,
                                             const std::vector<std::string>& companies);

/// Stores a favourites change, caches it, makes live conversations re-check their
/// subscriptions and replies `{favorites}`; then calls `done`.
void apply_favorites(session_self self, std::uint64_t rid, favorites_change change,
                     std::function<void()> done);

// Op handlers. Each validates its arguments, answers bad_request with one clear
// message on the first problem, and otherwise does the work.
void op_admin_org_put(session_self self, const protocol::request& req, std::uint64_t rid);
void op_admin_user_put(session_self self, const protocol::request& req,
                       std::uint64_t rid);
void op_admin_company_put(session_self self, const protocol::request& req,
                          std::uint64_t rid);
void op_admin_team_put(session_self self, const protocol::request& req,
                       std::uint64_t rid);
void op_admin_favorites_set(session_self self, const protocol::request& req,
                            std::uint64_t rid);
void op_favorites_add(session_self self, const protocol::request& req, std::uint64_t rid);
void op_favorites_remove(session_self self, const protocol::request& req,
                         std::uint64_t rid);
void op_conv_participants_add(session_self self, const protocol::request& req,
                              std::uint64_t rid);
void op_conv_participants_remove(session_self self, const protocol::request& req,
                                 std::uint64_t rid);
void op_conv_create(session_self self, const protocol::request& req, std::uint64_t rid);
void op_conv_get(session_self self, const protocol::request& req, std::uint64_t rid);
void op_conv_list(session_self self, const protocol::request& req, std::uint64_t rid);
void op_conv_open(session_self self, const protocol::request& req, std::uint64_t rid);
void op_conv_close(session_self self, const protocol::request& req, std::uint64_t rid);
void op_msg_send(session_self self, const protocol::request& req, std::uint64_t rid);
void op_read(session_self self, const protocol::request& req, std::uint64_t rid);
void op_typing(session_self self, const protocol::request& req,
               std::optional<std::uint64_t> rid);
void op_msg_around(session_self self, const protocol::request& req, std::uint64_t rid);
void op_msg_history(session_self self, const protocol::request& req, std::uint64_t rid);
// Cross-organisation direct messages (invites.cpp).
void op_invite_send(session_self self, const protocol::request& req, std::uint64_t rid);
void op_invite_revoke(session_self self, const protocol::request& req, std::uint64_t rid);
void op_invite_accept(session_self self, const protocol::request& req, std::uint64_t rid);
void op_invite_ignore(session_self self, const protocol::request& req, std::uint64_t rid);
void op_invite_list(session_self self, const protocol::request& req, std::uint64_t rid);

// The support inbox (inbox.cpp); blocks.* and conv.end (invites.cpp); support.* and
// contact.* (support.cpp); admin.ai.put (admin.cpp).
void op_inbox_list(session_self self, const protocol::request& req, std::uint64_t rid);
void op_blocks_list(session_self self, const protocol::request& req, std::uint64_t rid);
void op_blocks_remove(session_self self, const protocol::request& req, std::uint64_t rid);
void op_conv_end(session_self self, const protocol::request& req, std::uint64_t rid);
void op_support_assign(session_self self, const protocol::request& req,
                       std::uint64_t rid);
void op_support_takeover(session_self self, const protocol::request& req,
                         std::uint64_t rid);
void op_support_close(session_self self, const protocol::request& req, std::uint64_t rid);
void op_support_snooze(session_self self, const protocol::request& req,
                       std::uint64_t rid);
void op_support_unsnooze(session_self self, const protocol::request& req,
                         std::uint64_t rid);
void op_contact_block(session_self self, const protocol::request& req, std::uint64_t rid);
void op_contact_unblock(session_self self, const protocol::request& req,
                        std::uint64_t rid);
void op_admin_ai_put(session_self self, const protocol::request& req, std::uint64_t rid);
// Full-text search (search.cpp).
void op_search(session_self self, const protocol::request& req, std::uint64_t rid);

} // namespace parley

// The session's own deadline for requests to conversations (session_state::
// awaiting): a conversation that does not answer within the request timeout gets
// the client an `unavailable` reply, exactly once, and its late answer is dropped.
// The real session actor under CAF's test scheduler; the registry is scripted and
// holds every request until the test lets it answer.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>

#include "actors/node/replies.hpp"
#include "actors/session/session.hpp"
#include "protocol/jwt.hpp"
#include "tests/actors/scripted_peers.hpp"

namespace parley {
namespace {

using namespace scripted;
using protocol::user_kind;

/// The client's side of the connection: every frame the session writes.
class recording_outbound : public outbound {
public:
  void send(frame f) override { frames.push_back(std::move(f)); }
  void close(std::uint16_t, std::string) override { closed = true; }
  std::vector<frame> frames;
  bool closed = false;
};

/// The sends a scripted registry holds, each with the promise that answers it.
struct held_sends {
  std::vector<std::pair<send_request, caf::response_promise>> sends;
};

using answer_atom = caf::atom_constant<caf::atom("answer")>;

/// Stands in for the registry: holds each msg.send until the test tells it to
/// answer one (`answer`, index), as the conversation would ({seq}).
caf::behavior holding_registry(caf::event_based_actor* self,
                               std::shared_ptr<held_sends> held) {
  return {
      [=](send_atom, send_request& r) {
        held->sends.emplace_back(std::move(r), self->make_response_promise());
      },
      [=](answer_atom, std::uint64_t i) {
        auto& [req, rp] = held->sends.at(i);
        protocol::map_builder f;
        f.uint("seq", i + 1);
        rp.deliver(parley::reply_ok(req.rid, f));
      },
  };
}

/// Stands in for a db worker: holds each conv.list until the test answers it
/// (an empty page), as a worker stuck behind a slow statement would.
struct held_lists {
  std::vector<caf::response_promise> lists;
};

caf::behavior holding_db(caf::event_based_actor* self, std::shared_ptr<held_lists> held) {
  return {
      [=](list_atom, const list_request&) {
        held->lists.push_back(self->make_response_promise());
      },
      [=](answer_atom, std::uint64_t i) {
        held->lists.at(i).deliver(conversation_page{});
      },
  };
}

std::string request(std::string_view op, std::uint64_t rid,
                    const std::vector<std::pair<std::string, std::string>>& fields) {
  protocol::map_builder b;
  b.str("op", op).uint("rid", rid);
  for (const auto& [k, v] : fields)
    b.str(k, v);
  return b.finish();
}

/// Run twice: with the node's timer board (as parleyd runs) and with plain
/// delayed_send (an actor spawned without a board).
class session_deadline : public ::testing::TestWithParam<bool>, public test_system {
protected:
  session_deadline() {
    if (GetParam()) {
      svc.timers.board = std::make_shared<timer_board>();
      svc.timers.ticker = sys.spawn(timer_ticker, svc.timers.board);
    }
    protocol::org_info org;
    org.id = "o1";
    org.name = "Org";
    svc.dir->put_org(org);
    svc.dir->put_user(user("ann", user_kind::staff));
    auto config = std::make_shared<runtime_config>();
    config->token_secret = "s3cret";
    config->request_timeout = std::chrono::milliseconds{5000};
    config->rate_per_second = 0;
    svc.config = config;
    svc.presence = sys.spawn(recording_presence, std::make_shared<std::vector<frame>>());
    registry = sys.spawn(holding_registry, held);
    db = sys.spawn(holding_db, lists);
    svc.db = db_pool{{caf::actor_cast<db_actor>(db)}};
    svc.registry = caf::actor_cast<registry_actor>(registry);
    session = sys.spawn(parley::session, svc, out);
    sched.run();
    protocol::token_claims claims;
    claims.sub = "ann";
    claims.exp = now_ms() / 1000 + 600;
    say(request("hello", 1, {{"token", protocol::sign_token(claims, "s3cret")}}));
    EXPECT_EQ(replies(), (std::vector<std::string>{"1 ok"}));
  }

  ~session_deadline() override {
    caf::anon_send_exit(session, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(db, caf::exit_reason::user_shutdown);
    if (svc.timers.ticker)
      caf::anon_send_exit(svc.timers.ticker, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void say(const std::string& bytes) {
    caf::anon_send(session, frame_atom_v, bytes);
    sched.run();
  }

  void send_message(std::uint64_t rid) {
    say(request("msg.send", rid,
                {{"conv", "caaaaaaaaaaaaaaaaaaaaaaaaaa"},
                 {"cid", "m" + std::to_string(rid)},
                 {"body", "hi"}}));
  }

  /// The replies written since the last call, as "rid ok" or "rid <code>".
  std::vector<std::string> replies() {
    std::vector<std::string> out;
    for (const auto& f : out_->frames) {
      auto handle = msgpack::unpack(f.view().data(), f.size());
      auto rid = field(handle.get(), "rid");
      out.push_back(rid + " " + (reply_ok(f) ? "ok" : reply_code(f)));
    }
    out_->frames.clear();
    return out;
  }

  /// The registry answers the held send `i` as the conversation would.
  void answer(std::size_t i) {
    caf::anon_send(registry, answer_atom::value, static_cast<std::uint64_t>(i));
    sched.run();
  }

  session_handles svc = [] {
    session_handles s;
    s.dir = std::make_shared<directory>();
    s.stats = std::make_shared<metrics>();
    return s;
  }();
  std::shared_ptr<held_sends> held = std::make_shared<held_sends>();
  std::shared_ptr<held_lists> lists = std::make_shared<held_lists>();
  caf::actor db;
  std::shared_ptr<recording_outbound> out_ = std::make_shared<recording_outbound>();
  std::shared_ptr<outbound> out = out_;
  caf::actor registry;
  session_actor session;
};

TEST_P(session_deadline, an_answer_in_time_is_the_reply) {
  send_message(2);
  ASSERT_EQ(held->sends.size(), 1u);
  sched.advance_time(std::chrono::milliseconds{4000});
  answer(0);
  EXPECT_EQ(replies(), (std::vector<std::string>{"2 ok"}));
  // The deadline passes later with nothing awaiting: no second reply.
  sched.advance_time(std::chrono::milliseconds{2000});
  sched.run();
  EXPECT_TRUE(replies().empty());
}

TEST_P(session_deadline,
       no_answer_in_time_is_unavailable_once_and_the_late_one_is_dropped) {
  send_message(2);
  sched.advance_time(std::chrono::milliseconds{2000});
  send_message(3);
  ASSERT_EQ(held->sends.size(), 2u);
  // At 5 s the first is due, not yet the second (sent at 2 s).
  sched.advance_time(std::chrono::milliseconds{3000});
  sched.run();
  EXPECT_EQ(replies(), (std::vector<std::string>{"2 unavailable"}));
  answer(0); // too late: the client has its answer
  EXPECT_TRUE(replies().empty());
  sched.advance_time(std::chrono::milliseconds{2000});
  sched.run();
  EXPECT_EQ(replies(), (std::vector<std::string>{"3 unavailable"}));
  answer(1);
  EXPECT_TRUE(replies().empty());
  EXPECT_TRUE(held->sends.size() == 2u);
}

TEST_P(session_deadline, the_timer_follows_the_oldest_request_still_awaiting) {
  send_message(2);
  sched.advance_time(std::chrono::milliseconds{1000});
  send_message(3);
  answer(0); // the oldest is answered: the next deadline is the second's (6 s)
  EXPECT_EQ(replies(), (std::vector<std::string>{"2 ok"}));
  sched.advance_time(std::chrono::milliseconds{4000}); // 5 s
  sched.run();
  EXPECT_TRUE(replies().empty());
  sched.advance_time(std::chrono::milliseconds{1000}); // 6 s
  sched.run();
  EXPECT_EQ(replies(), (std::vector<std::string>{"3 unavailable"}));
}

// Requests to the database actors (here conv.list) share the deadline: a worker
// that does not answer in time gets the client `unavailable` (storage) once.
TEST_P(session_deadline, a_database_request_past_the_deadline_is_unavailable_once) {
  say(request("conv.list", 7, {}));
  ASSERT_EQ(lists->lists.size(), 1u);
  sched.advance_time(std::chrono::milliseconds{4000});
  sched.run();
  EXPECT_TRUE(replies().empty());
  sched.advance_time(std::chrono::milliseconds{1000}); // 5 s
  sched.run();
  auto late = replies();
  ASSERT_EQ(late, (std::vector<std::string>{"7 unavailable"}));
  caf::anon_send(db, answer_atom::value, std::uint64_t{0}); // too late: dropped
  sched.run();
  EXPECT_TRUE(replies().empty());
  // The session goes on asking the same worker.
  say(request("conv.list", 8, {}));
  ASSERT_EQ(lists->lists.size(), 2u);
}

TEST_P(session_deadline, a_closed_service_session_is_not_kept_until_its_token_expires) {
  // A service token's expiry is the session's own timer. Filed on the node's
  // timer board, which holds the session weakly, a closed session is gone at once;
  // a CAF delayed message (the fallback without a board) would hold it until then.
  if (!GetParam()) GTEST_SKIP() << "without a board the timer is a delayed message";
  auto backend_out = std::make_shared<recording_outbound>();
  auto backend = sys.spawn(parley::session, svc, std::shared_ptr<outbound>{backend_out});
  sched.run();
  protocol::token_claims claims;
  claims.sub = "backend";
  claims.admin = true;
  claims.exp = now_ms() / 1000 + 24 * 3600;
  caf::anon_send(
      backend, frame_atom_v,
      request("hello", 1, {{"token", protocol::sign_token(claims, "s3cret")}}));
  sched.run();
  ASSERT_EQ(backend_out->frames.size(), 1u);
  EXPECT_TRUE(reply_ok(backend_out->frames[0]));
  auto addr = backend.address();
  caf::anon_send(backend, disconnect_atom_v); // the connection closed
  backend = nullptr;
  sched.run();
  EXPECT_FALSE(caf::actor_cast<caf::actor>(addr)) << "something still holds the session";
}

TEST_P(session_deadline, a_connection_without_hello_is_closed_after_the_hello_timeout) {
  auto quiet_out = std::make_shared<recording_outbound>();
  auto quiet = sys.spawn(parley::session, svc, std::shared_ptr<outbound>{quiet_out});
  sched.run();
  sched.advance_time(std::chrono::milliseconds{9'900});
  sched.run();
  EXPECT_FALSE(quiet_out->closed) << "closed before the timeout";
  // The board takes a timer at most one granularity (50 ms) late.
  sched.advance_time(std::chrono::milliseconds{200});
  sched.run();
  EXPECT_TRUE(quiet_out->closed);
  caf::anon_send_exit(quiet, caf::exit_reason::user_shutdown);
  sched.run();
}

INSTANTIATE_TEST_SUITE_P(timers, session_deadline, ::testing::Bool(), [](const auto& p) {
  return p.param ? "board" : "delayed_send";
});

} // namespace
} // namespace parley

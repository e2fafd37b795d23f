// The registry's passivation handshake with the real registry and conversation
// actors under CAF's deterministic scheduler: an idle conversation stops only when
// every request the registry forwarded to it was handled, and requests a session
// sends straight to the incarnation (session.hpp, conversation_route) are not
// counted as forwarded ones, so they neither block nor fake that count.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/conversation/conversation.hpp"
#include "actors/conversation/registry.hpp"
#include "tests/actors/scripted_peers.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
using namespace scripted;
using protocol::conv_kind;
using protocol::user_kind;

ai_hub_actor::behavior_type silent_hub(ai_hub_actor::pointer) {
  return {[](ai_prompt_atom, const ai_prompt&) {}};
}

class registry_passivation : public ::testing::Test, public test_system {
protected:
  registry_passivation() {
    protocol::org_info org;
    org.id = "o1";
    org.name = "Org";
    dir->put_org(org);
    dir->put_user(user("ann", user_kind::staff));
    dir->put_user(user("bob", user_kind::staff));
    conversation_snapshot snap;
    snap.found = true;
    snap.conv.id = conv_id;
    snap.conv.kind = conv_kind::private_;
    snap.conv.org = "o1";
    snap.conv.participants = {"ann", "bob"};
    snap.conv.created_by = "ann";
    conversation_handles svc;
    auto config = std::make_shared<runtime_config>();
    // Idle after 4 ms of wall-clock time; the idle timer (half of it) is fired by
    // hand on the test clock.
    config->passivate_after = 4ms;
    svc.config = config;
    svc.dir = dir;
    svc.stats = std::make_shared<metrics>();
    svc.writer = sys.spawn(committing_writer);
    svc.db = db_pool{{sys.spawn(scripted_db, snap)}};
    svc.presence = sys.spawn(recording_presence, std::make_shared<std::vector<frame>>());
    svc.ai = sys.spawn(silent_hub);
    reg = sys.spawn(registry, svc);
    sched.run();
  }

  ~registry_passivation() override {
    caf::anon_send_exit(reg, caf::exit_reason::user_shutdown);
    sched.run();
  }

  send_request send(const std::string& cid, bool direct) {
    send_request s;
    s.rid = 1;
    s.conv = conv_id;
    s.user = "ann";
    s.cid = cid;
    s.body = "hi";
    s.format = "text";
    s.direct = direct;
    return s;
  }

  /// Asks `to`; returns whether the reply said ok and who sent it (null on error).
  std::pair<bool, caf::strong_actor_ptr> ask(const conversation_api& to,
                                             send_request req) {
    auto pending = client->request(to, caf::infinite, send_atom_v, std::move(req));
    sched.run();
    std::pair<bool, caf::strong_actor_ptr> out{false, nullptr};
    pending.receive(
        [&](frame& f) {
          out.first = reply_ok(f);
          out.second = client->current_sender();
        },
        [&](caf::error&) {});
    return out;
  }

  /// Lets the conversation be idle long enough, then fires its idle timer.
  void go_idle() {
    std::this_thread::sleep_for(10ms);
    sched.advance_time(1s);
    sched.run();
  }

  const std::string conv_id = "cpassivationpassivationpas";
  std::shared_ptr<directory> dir = std::make_shared<directory>();
  registry_actor reg;
};

TEST_F(registry_passivation, direct_requests_do_not_count_as_forwarded_ones) {
  auto via_registry = caf::actor_cast<conversation_api>(reg);
  auto [ok, incarnation] = ask(via_registry, send("a", false));
  ASSERT_TRUE(ok);
  ASSERT_TRUE(incarnation);
  auto conv = caf::actor_cast<conversation_api>(incarnation);
  EXPECT_NE(conv.address(), reg.address()) << "the reply comes from the conversation";
  // Two more through the registry, three straight to the incarnation.
  EXPECT_TRUE(ask(via_registry, send("b", false)).first);
  for (auto cid : {"c", "d", "e"})
    EXPECT_TRUE(ask(conv, send(cid, true)).first);
  // Idle: the handshake counts three forwarded, three handled: it stops.
  go_idle();
  auto [after, sender] = ask(conv, send("f", true));
  EXPECT_FALSE(after) << "the passivated incarnation still answered";
  // Through the registry a new incarnation answers.
  auto [again, fresh] = ask(via_registry, send("g", false));
  EXPECT_TRUE(again);
  EXPECT_NE(caf::actor_cast<caf::actor_addr>(fresh), conv.address());
}

TEST_F(registry_passivation, a_request_in_transit_from_the_registry_keeps_it_alive) {
  auto via_registry = caf::actor_cast<conversation_api>(reg);
  auto [ok, incarnation] = ask(via_registry, send("a", false));
  ASSERT_TRUE(ok);
  auto conv = caf::actor_cast<conversation_api>(incarnation);
  // A request sent straight but not marked direct counts as handled without the
  // registry having forwarded it: the counts differ and the registry refuses.
  EXPECT_TRUE(ask(conv, send("b", false)).first);
  go_idle();
  EXPECT_TRUE(ask(conv, send("c", true)).first) << "passivated despite the refusal";
}

} // namespace
} // namespace parley

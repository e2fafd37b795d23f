// The registry's placement in a cluster (issue 17) with real registries under
// CAF's deterministic scheduler: two registries in one actor system stand for two
// nodes' (a live_view names each node's registry). A request for a conversation
// another node owns takes one hop to that node's registry and its answer comes back;
// a request in flight to a node that leaves the live set is answered with an error
// at once (the session answers `unavailable`); a wake for a conversation owned
// elsewhere is not forwarded (the owner's scheduler wakes it).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/conversation/registry.hpp"
#include "actors/rules/placement.hpp"
#include "tests/actors/scripted_peers.hpp"

namespace parley {
namespace {

using namespace scripted;
using protocol::conv_kind;
using protocol::user_kind;

ai_hub_actor::behavior_type quiet_hub(ai_hub_actor::pointer) {
  return {[](ai_prompt_atom, const ai_prompt&) {}};
}

/// A node that never answers: whatever reaches it stays in its mailbox.
caf::behavior unresponsive(caf::event_based_actor* self) {
  self->set_default_handler(caf::skip);
  return {[](int) {}};
}

/// A conversation id that placement over {n1, n2} gives to `node`.
std::string owned_by(const std::string& node) {
  std::vector<std::string> live{"n1", "n2"};
  for (int i = 0;; ++i) {
    auto id = "cplacement" + std::to_string(i);
    if (live[*placement::owner(id, live)] == node) return id;
  }
}

class registry_placement : public ::testing::Test, public test_system {
protected:
  registry_placement() {
    protocol::org_info org;
    org.id = "o1";
    org.name = "Org";
    dir->put_org(org);
    dir->put_user(user("ann", user_kind::staff));
    dir->put_user(user("bob", user_kind::staff));
  }

  ~registry_placement() override {
    for (auto& r : {n1, n2})
      if (r) caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// A registry whose conversations all load as `conv`.
  registry_actor spawn_registry(const std::string& conv, std::shared_ptr<metrics> stats) {
    conversation_snapshot snap;
    snap.found = true;
    snap.conv.id = conv;
    snap.conv.kind = conv_kind::private_;
    snap.conv.org = "o1";
    snap.conv.participants = {"ann", "bob"};
    snap.conv.created_by = "ann";
    conversation_handles svc;
    svc.config = std::make_shared<runtime_config>();
    svc.dir = dir;
    svc.stats = std::move(stats);
    svc.writer = sys.spawn(committing_writer);
    svc.db = db_pool{{sys.spawn(scripted_db, snap)}};
    svc.presence = sys.spawn(recording_presence, std::make_shared<std::vector<frame>>());
    svc.ai = sys.spawn(quiet_hub);
    return sys.spawn(registry, svc);
  }

  /// Tells `reg` that it is `self` among n1 (`r1`) and n2 (`r2`).
  void view(const registry_actor& reg, const std::string& self, caf::actor r1,
            caf::actor r2) {
    live_view v;
    v.version = ++version;
    v.self = self;
    v.names = {"n1", "n2"};
    v.registries = {self == "n1" ? caf::actor{} : r1, self == "n2" ? caf::actor{} : r2};
    v.presences = {caf::actor{}, caf::actor{}};
    caf::anon_send(reg, cluster_atom_v, v);
    sched.run();
  }

  send_request send(const std::string& conv, const std::string& cid) {
    send_request s;
    s.rid = 7;
    s.conv = conv;
    s.user = "ann";
    s.cid = cid;
    s.body = "hi";
    s.format = "text";
    return s;
  }

  std::shared_ptr<directory> dir = std::make_shared<directory>();
  std::shared_ptr<metrics> stats1 = std::make_shared<metrics>();
  std::shared_ptr<metrics> stats2 = std::make_shared<metrics>();
  registry_actor n1;
  registry_actor n2;
  std::uint64_t version = 0;
};

TEST_F(registry_placement, a_request_for_a_conversation_owned_elsewhere_takes_one_hop) {
  auto conv = owned_by("n2");
  n1 = spawn_registry(conv, stats1);
  n2 = spawn_registry(conv, stats2);
  sched.run();
  view(n1, "n1", caf::actor_cast<caf::actor>(n1), caf::actor_cast<caf::actor>(n2));
  view(n2, "n2", caf::actor_cast<caf::actor>(n1), caf::actor_cast<caf::actor>(n2));
  auto pending = client->request(n1, caf::infinite, send_atom_v, send(conv, "a"));
  sched.run();
  bool ok = false;
  caf::strong_actor_ptr from;
  pending.receive(
      [&](frame& f) {
        ok = reply_ok(f);
        from = client->current_sender();
      },
      [&](caf::error& e) { ADD_FAILURE() << to_string(e); });
  EXPECT_TRUE(ok);
  // The answer came back through n1's registry (which keeps the request's promise).
  EXPECT_EQ(caf::actor_cast<caf::actor_addr>(from), n1.address());
  EXPECT_EQ(stats1->remote_requests.load(), 1u);
  EXPECT_EQ(stats1->conversations_active.load(), 0u) << "n1 started the conversation";
  EXPECT_EQ(stats2->conversations_active.load(), 1u);
  EXPECT_EQ(stats2->remote_requests.load(), 0u) << "n2 sent it on again";
}

TEST_F(registry_placement, a_conversation_owned_here_is_served_here) {
  auto conv = owned_by("n1");
  n1 = spawn_registry(conv, stats1);
  auto silent = sys.spawn(unresponsive);
  sched.run();
  view(n1, "n1", caf::actor_cast<caf::actor>(n1), silent);
  auto pending = client->request(n1, caf::infinite, send_atom_v, send(conv, "a"));
  sched.run();
  bool ok = false;
  pending.receive([&](frame& f) { ok = reply_ok(f); },
                  [&](caf::error& e) { ADD_FAILURE() << to_string(e); });
  EXPECT_TRUE(ok);
  EXPECT_EQ(stats1->remote_requests.load(), 0u);
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
}

TEST_F(registry_placement, requests_in_flight_to_a_node_that_leaves_fail_at_once) {
  auto conv = owned_by("n2");
  n1 = spawn_registry(conv, stats1);
  auto silent = sys.spawn(unresponsive);
  sched.run();
  view(n1, "n1", caf::actor_cast<caf::actor>(n1), silent);
  auto pending = client->request(n1, caf::infinite, send_atom_v, send(conv, "a"));
  sched.run();
  // n2 says nothing; then it leaves the live set.
  live_view alone;
  alone.version = ++version;
  alone.self = "n1";
  alone.names = {"n1"};
  alone.registries = {caf::actor{}};
  alone.presences = {caf::actor{}};
  caf::anon_send(n1, cluster_atom_v, alone);
  sched.run();
  bool failed = false;
  pending.receive([&](frame&) { ADD_FAILURE() << "answered by a node that left"; },
                  [&](caf::error&) { failed = true; });
  EXPECT_TRUE(failed);
  // The retry is served by the survivor, which owns everything now.
  auto retry = client->request(n1, caf::infinite, send_atom_v, send(conv, "a"));
  sched.run();
  bool ok = false;
  retry.receive([&](frame& f) { ok = reply_ok(f); },
                [&](caf::error& e) { ADD_FAILURE() << to_string(e); });
  EXPECT_TRUE(ok);
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
}

TEST_F(registry_placement, a_wake_for_a_conversation_owned_elsewhere_is_not_forwarded) {
  auto conv = owned_by("n2");
  n1 = spawn_registry(conv, stats1);
  auto silent = sys.spawn(unresponsive);
  sched.run();
  view(n1, "n1", caf::actor_cast<caf::actor>(n1), silent);
  auto pending = client->request(n1, caf::infinite, wake_atom_v, wake_request{0, conv});
  sched.run();
  bool answered = false;
  pending.receive([&](frame& f) { answered = f.empty(); },
                  [&](caf::error& e) { ADD_FAILURE() << to_string(e); });
  EXPECT_TRUE(answered);
  EXPECT_EQ(stats1->remote_requests.load(), 0u);
  caf::anon_send_exit(silent, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace parley

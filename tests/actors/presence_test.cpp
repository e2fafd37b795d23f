// The presence actor (actors/delivery/presence.cpp) under CAF's deterministic test
// scheduler: which connections a push to a user id reaches, the batched form
// conversations use for a message's notifications, and connections that go away. The
// connections are the recording sessions of tests/actors/scripted_peers.hpp.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/delivery/presence.hpp"
#include "protocol/codec.hpp"
#include "tests/actors/scripted_peers.hpp"

namespace parley {
namespace {

using namespace scripted;

class presence_actor_test : public ::testing::Test {
protected:
  presence_actor_test()
      : sys{testing_config(cfg)}, sched{dynamic_cast<caf::scheduler::test_coordinator&>(
                                      sys.scheduler())} {
    sys.await_actors_before_shutdown(false);
    node = sys.spawn(presence);
    sched.run();
  }

  ~presence_actor_test() override {
    caf::anon_send_exit(node, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// A connection of `user` that said hello (attached to the presence actor).
  connection attach(const std::string& user) {
    auto log = std::make_shared<std::vector<frame>>();
    connection c{user, sys.spawn(recording_session, log), log};
    caf::anon_send(node, attach_atom_v, attachment{user, c.handle, nullptr});
    sched.run();
    return c;
  }

  /// The connection's socket closed: its session actor ends.
  void disconnect(const connection& c) {
    caf::anon_send(c.handle, disconnect_atom_v);
    sched.run();
  }

  void push(const std::string& user, const std::string& text) {
    caf::anon_send(node, push_atom_v, user, note(text));
    sched.run();
  }

  /// The notifications of message `seq` of c1 by `author` for `targets`, skipping
  /// the `open` connections.
  void notify(std::uint64_t seq, std::vector<notify_target> targets,
              std::vector<caf::actor_addr> open = {}) {
    notify_batch b;
    b.conv = "c1";
    b.seq = seq;
    b.author = "zoe";
    b.preview = "hi";
    b.targets = std::move(targets);
    b.open = session_set{std::move(open)};
    caf::anon_send(node, notify_atom_v, std::vector<notify_batch>{std::move(b)});
    sched.run();
  }

  /// A small push frame whose text `described` shows.
  static frame note(const std::string& text) {
    protocol::map_builder b;
    b.str("op", "message").str("author", text);
    return frame{b.finish()};
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  presence_actor node;
};

TEST_F(presence_actor_test, a_push_reaches_every_connection_of_its_user_and_no_other) {
  auto ann_phone = attach("ann");
  auto ann_laptop = attach("ann");
  auto bob = attach("bob");
  push("ann", "n1");
  EXPECT_EQ(described(ann_phone.pushes), lines{"message n1"});
  EXPECT_EQ(described(ann_laptop.pushes), lines{"message n1"});
  EXPECT_EQ(described(bob.pushes), lines{});
}

TEST_F(presence_actor_test, a_push_to_an_offline_user_is_dropped) {
  auto ann = attach("ann");
  push("zed", "n1");
  EXPECT_EQ(described(ann.pushes), lines{});
}

TEST_F(presence_actor_test, a_notify_batch_reaches_every_connection_of_each_target) {
  auto ann = attach("ann");
  auto bob_phone = attach("bob");
  auto bob_laptop = attach("bob");
  auto cleo = attach("cleo");
  notify(7, {{"bob", 2}, {"ann", 1}, {"zed", 5}}); // zed is offline
  notify(8, {{"bob", 3}});
  EXPECT_EQ(described(ann.pushes), lines{"notify c1 7 by zoe unread 1"});
  EXPECT_EQ(described(bob_phone.pushes),
            (lines{"notify c1 7 by zoe unread 2", "notify c1 8 by zoe unread 3"}));
  EXPECT_EQ(described(bob_laptop.pushes),
            (lines{"notify c1 7 by zoe unread 2", "notify c1 8 by zoe unread 3"}));
  EXPECT_EQ(described(cleo.pushes), lines{});
}

TEST_F(presence_actor_test, a_closed_connection_is_forgotten_and_the_others_stay) {
  auto ann_phone = attach("ann");
  auto ann_laptop = attach("ann");
  disconnect(ann_phone);
  push("ann", "n1");
  EXPECT_EQ(described(ann_phone.pushes), lines{});
  EXPECT_EQ(described(ann_laptop.pushes), lines{"message n1"});
}

TEST_F(presence_actor_test,
       a_user_whose_last_connection_closed_is_reached_again_after_reconnecting) {
  auto first = attach("ann");
  disconnect(first);
  push("ann", "lost");
  auto second = attach("ann");
  push("ann", "n2");
  EXPECT_EQ(described(first.pushes), lines{});
  EXPECT_EQ(described(second.pushes), lines{"message n2"});
}

// docs/protocol.md §7 (v1.1): `notify` skips the connections that have the
// conversation open; the conversation hands over the set of its subscribed sessions.
TEST_F(presence_actor_test, a_notify_batch_skips_the_connections_that_have_it_open) {
  auto phone = attach("bob");
  auto laptop = attach("bob");
  auto ann = attach("ann");
  auto cleo = attach("cleo");
  notify(1, {{"bob", 1}, {"ann", 1}, {"cleo", 1}},
         {phone.handle.address(), cleo.handle.address()});
  notify(2, {{"bob", 2}});
  EXPECT_EQ(described(phone.pushes), lines{"notify c1 2 by zoe unread 2"});
  EXPECT_EQ(described(laptop.pushes),
            (lines{"notify c1 1 by zoe unread 1", "notify c1 2 by zoe unread 2"}));
  EXPECT_EQ(described(ann.pushes), lines{"notify c1 1 by zoe unread 1"});
  EXPECT_EQ(described(cleo.pushes), lines{});
}

TEST_F(presence_actor_test, attaching_the_same_connection_twice_delivers_once) {
  auto ann = attach("ann");
  caf::anon_send(node, attach_atom_v, attachment{"ann", ann.handle, nullptr});
  sched.run();
  push("ann", "n1");
  EXPECT_EQ(described(ann.pushes), lines{"message n1"});
}

} // namespace
} // namespace parley

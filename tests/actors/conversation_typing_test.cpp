// Typing (docs/protocol.md §7) in the real conversation actor
// (actors/conversation/conversation.cpp), under CAF's deterministic test scheduler: time
// moves only when the test calls advance_time, so expiry and races are exact and no test
// sleeps.
//
// The conversation's peers are the scripted actors of tests/actors/scripted_peers.hpp
// (a db actor answering `load` with a fixed snapshot, a committing writer, recording
// presence and connections): scripted peers at an actor interface, not a database
// stand-in.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/conversation/conversation.hpp"
#include "protocol/codec.hpp"
#include "tests/actors/scripted_peers.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
using protocol::conv_kind;
using protocol::user_kind;

using namespace scripted;

// -- the fixture ------------------------------------------------------------------

class conversation_typing : public ::testing::Test, public test_system {
protected:
  conversation_typing() {
    protocol::org_info org;
    org.id = "o1";
    org.name = "Org";
    org.alias = "help";
    org.display_as_alias = true;
    dir->put_org(org);
    dir->put_user(user("ann", user_kind::staff));
    dir->put_user(user("bob", user_kind::staff));
    dir->put_user(user("cleo", user_kind::client));
    dir->put_user(user("carl", user_kind::contact));
    dir->put_user(user("help", user_kind::bot));
  }

  ~conversation_typing() override {
    if (conv) caf::anon_send_exit(conv, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Starts the conversation `kind` with `participants`, loaded from the scripted
  /// db actor.
  void start(conv_kind kind, std::vector<std::string> participants) {
    conversation_snapshot snap;
    snap.found = true;
    snap.conv.id = conv_id;
    snap.conv.kind = kind;
    snap.conv.org = "o1";
    snap.conv.participants = std::move(participants);
    snap.conv.created_by = snap.conv.participants.front();
    conversation_handles svc;
    auto config = std::make_shared<runtime_config>();
    // The idle timer fires at half of this; no test advances that far.
    config->passivate_after = std::chrono::hours{1};
    svc.config = config;
    svc.dir = dir;
    svc.stats = std::make_shared<metrics>();
    svc.writer = sys.spawn(committing_writer);
    svc.db = db_pool{{sys.spawn(scripted_db, snap)}};
    svc.presence = sys.spawn(recording_presence, notified);
    // svc.registry stays unset: only an idle conversation asks it (passivation).
    conv = sys.spawn(conversation, conv_id, svc, false);
    sched.run();
  }

  /// A connection of `user` that is not subscribed (yet).
  connection connect(const std::string& user) {
    auto log = std::make_shared<std::vector<frame>>();
    return {user, sys.spawn(recording_session, log), log};
  }

  /// A connection of `user` that ran conv.open.
  connection open(const std::string& user) {
    auto c = connect(user);
    open_request req;
    req.rid = 1;
    req.conv = conv_id;
    req.user = user;
    req.session = c.handle;
    EXPECT_TRUE(reply_ok(ask(open_atom_v, std::move(req)))) << "conv.open " << user;
    // As a session does once it has queued the reply: the subscription goes live.
    caf::send_as(c.handle, conv, opened_atom_v);
    sched.run();
    return c;
  }

  typing_request typing_of(const connection& c, bool start, bool internal = false) {
    typing_request req;
    req.rid = 2;
    req.conv = conv_id;
    req.user = c.user;
    req.start = start;
    req.internal = internal;
    req.session = c.handle;
    return req;
  }

  /// Sends `typing` and runs everything it causes.
  frame type(const connection& c, bool start, bool internal = false) {
    return ask(typing_atom_v, typing_of(c, start, internal));
  }

  frame send_message(const connection& c, std::string body) {
    send_request req;
    req.rid = 3;
    req.conv = conv_id;
    req.user = c.user;
    req.cid = "cid-" + body;
    req.body = std::move(body);
    return ask(send_atom_v, std::move(req));
  }

  /// Lets `d` pass on the actor clock and runs whatever became due.
  void advance(caf::timespan d) {
    sched.advance_time(d);
    sched.run();
  }

  template <class Atom, class Request>
  frame ask(Atom atom, Request req) {
    auto pending = client->request(conv, caf::infinite, atom, std::move(req));
    sched.run();
    frame out;
    pending.receive([&](frame& f) { out = std::move(f); },
                    [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
    return out;
  }

  const std::string conv_id = "ctypingtypingtypingtypingty";
  std::shared_ptr<directory> dir = std::make_shared<directory>();
  frame_log notified = std::make_shared<std::vector<frame>>();
  conversation_actor conv;
};

// -- expiry -----------------------------------------------------------------------

TEST_F(conversation_typing, a_start_not_refreshed_expires_after_six_seconds) {
  start(conv_kind::private_, {"ann", "bob"});
  auto ann = open("ann");
  auto bob = open("bob");
  EXPECT_TRUE(reply_ok(type(ann, true)));
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human start"});
  EXPECT_EQ(described(ann.pushes), lines{}) << "the typist does not hear itself";
  advance(5999ms);
  EXPECT_EQ(described(bob.pushes), lines{});
  advance(1ms);
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human stop"});
  advance(60s);
  EXPECT_EQ(described(bob.pushes), lines{}) << "one stop, no more ticks";
}

TEST_F(conversation_typing, a_refresh_before_six_seconds_keeps_it_alive) {
  start(conv_kind::private_, {"ann", "bob"});
  auto ann = open("ann");
  auto bob = open("bob");
  type(ann, true);
  advance(4s);
  type(ann, true); // refresh: now expires at 10 s
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human start"})
      << "a refresh is not pushed again";
  advance(2s); // the tick armed for 6 s finds nothing expired
  advance(3999ms);
  EXPECT_EQ(described(bob.pushes), lines{});
  advance(1ms);
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human stop"});
}

// -- disconnects -------------------------------------------------------------------

TEST_F(conversation_typing, a_disconnect_of_the_typing_connection_pushes_stop) {
  start(conv_kind::private_, {"ann", "bob"});
  auto ann = open("ann");
  auto ann_phone = open("ann");
  auto bob = open("bob");
  type(ann, true);
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human start"});
  // Another connection of the same user going away does not stop it.
  client->send(ann_phone.handle, disconnect_atom_v);
  sched.run();
  EXPECT_EQ(described(bob.pushes), lines{});
  client->send(ann.handle, disconnect_atom_v);
  sched.run();
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human stop"});
  advance(10s);
  EXPECT_EQ(described(bob.pushes), lines{}) << "the expiry finds nothing left";
}

TEST_F(conversation_typing,
       a_disconnect_stops_typing_from_a_connection_without_conv_open) {
  start(conv_kind::private_, {"ann", "bob"});
  auto ann = connect("ann"); // types without subscribing
  auto bob = open("bob");
  type(ann, true);
  type(ann, true); // watched once, not twice
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human start"});
  client->send(ann.handle, disconnect_atom_v);
  sched.run();
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human stop"});
}

// -- internal typing ----------------------------------------------------------------

TEST_F(conversation_typing, internal_typing_reaches_only_staff) {
  start(conv_kind::private_, {"ann", "bob", "cleo"});
  auto ann = open("ann");
  auto bob = open("bob");
  auto cleo = open("cleo");
  type(ann, true, true);
  type(ann, false, true);
  EXPECT_EQ(described(bob.pushes),
            (lines{"typing ann human start internal", "typing ann human stop internal"}));
  EXPECT_EQ(described(cleo.pushes), lines{});
  // A client may not type internally at all.
  EXPECT_FALSE(reply_ok(type(cleo, true, true)));
  EXPECT_EQ(described(bob.pushes), lines{});
}

TEST_F(conversation_typing, switching_to_internal_ends_the_public_start_for_everyone) {
  start(conv_kind::private_, {"ann", "bob", "cleo"});
  auto ann = open("ann");
  auto bob = open("bob");
  auto cleo = open("cleo");
  type(ann, true);
  type(ann, true, true);
  EXPECT_EQ(described(cleo.pushes),
            (lines{"typing ann human start", "typing ann human stop"}));
  EXPECT_EQ(described(bob.pushes),
            (lines{"typing ann human start", "typing ann human stop",
                   "typing ann human start internal"}));
  advance(6s);
  EXPECT_EQ(described(cleo.pushes), lines{});
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human stop internal"});
}

// -- races --------------------------------------------------------------------------

TEST_F(conversation_typing, a_stop_landing_after_the_due_expiry_tick_pushes_one_stop) {
  start(conv_kind::private_, {"ann", "bob"});
  auto ann = open("ann");
  auto bob = open("bob");
  type(ann, true);
  described(bob.pushes);
  // The tick becomes due and is queued; the client's stop is queued behind it.
  EXPECT_EQ(sched.advance_time(6s), 1u) << "the expiry tick is due";
  auto pending =
      client->request(conv, caf::infinite, typing_atom_v, typing_of(ann, false));
  sched.run();
  pending.receive([](frame& f) { EXPECT_TRUE(reply_ok(f)); },
                  [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human stop"});
}

TEST_F(conversation_typing, a_stop_landing_before_the_due_expiry_tick_pushes_one_stop) {
  start(conv_kind::private_, {"ann", "bob"});
  auto ann = open("ann");
  auto bob = open("bob");
  type(ann, true);
  described(bob.pushes);
  // The client's stop is queued first; the tick becomes due behind it.
  auto pending =
      client->request(conv, caf::infinite, typing_atom_v, typing_of(ann, false));
  EXPECT_EQ(sched.advance_time(6s), 1u) << "the expiry tick is due";
  sched.run();
  pending.receive([](frame& f) { EXPECT_TRUE(reply_ok(f)); },
                  [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human stop"});
}

TEST_F(conversation_typing, the_typists_message_ends_its_typing_with_one_stop) {
  start(conv_kind::private_, {"ann", "bob"});
  auto ann = open("ann");
  auto bob = open("bob");
  type(ann, true);
  described(bob.pushes);
  EXPECT_TRUE(reply_ok(send_message(ann, "hello")));
  EXPECT_EQ(described(bob.pushes), (lines{"typing ann human stop", "message ann"}))
      << "the stop comes before the message";
  advance(10s);
  EXPECT_EQ(described(bob.pushes), lines{}) << "the expiry finds nothing left";
  // A message from someone who was not typing pushes no stop.
  send_message(bob, "hi");
  EXPECT_EQ(described(ann.pushes), (lines{"message ann", "message bob"}));
}

// -- the alias display rule -------------------------------------------------------

TEST_F(conversation_typing, a_contact_sees_agents_typing_as_the_alias) {
  start(conv_kind::support, {"carl", "help"});
  auto carl = open("carl");
  auto ann = open("ann"); // staff read the support inbox
  auto bob = open("bob");
  type(ann, true);
  EXPECT_EQ(described(carl.pushes), lines{"typing help human start"});
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human start"});
  // A second agent: the contact already sees the alias typing.
  type(bob, true);
  type(ann, false);
  EXPECT_EQ(described(carl.pushes), lines{});
  EXPECT_EQ(described(ann.pushes), lines{"typing bob human start"});
  EXPECT_EQ(described(bob.pushes), lines{"typing ann human stop"});
  // The last agent's expiry ends the alias's typing.
  advance(6s);
  EXPECT_EQ(described(carl.pushes), lines{"typing help human stop"});
  EXPECT_EQ(described(ann.pushes), lines{"typing bob human stop"});
  // The contact's own typing reaches the agents as itself.
  type(carl, true);
  EXPECT_EQ(described(ann.pushes), lines{"typing carl human start"});
}

TEST_F(conversation_typing, without_display_as_alias_a_contact_sees_the_agent) {
  start(conv_kind::support, {"carl", "help"});
  auto carl = open("carl");
  auto ann = open("ann");
  type(ann, true);
  type(ann, false);
  EXPECT_EQ(described(carl.pushes),
            (lines{"typing help human start", "typing help human stop"}));
  // The setting is read at each event: off, the contact sees the agent.
  auto org = *dir->org("o1");
  org.display_as_alias = false;
  dir->put_org(org);
  type(ann, true);
  type(ann, false);
  EXPECT_EQ(described(carl.pushes),
            (lines{"typing ann human start", "typing ann human stop"}));
  type(ann, true, true); // internal: never to a contact
  EXPECT_EQ(described(carl.pushes), lines{});
}

TEST_F(conversation_typing, one_event_is_encoded_once_per_variant) {
  start(conv_kind::support, {"carl", "help"});
  auto carl = open("carl");
  auto ann = open("ann");
  auto bob = open("bob");
  auto bob_phone = open("bob");
  auto alias = open("help");
  type(ann, true);
  ASSERT_EQ(bob.pushes->size(), 1u);
  ASSERT_EQ(carl.pushes->size(), 1u);
  // The staff connections and the alias share the plain bytes.
  EXPECT_EQ(bob.pushes->front().shared(), bob_phone.pushes->front().shared());
  EXPECT_EQ(bob.pushes->front().shared(), alias.pushes->front().shared());
  EXPECT_NE(bob.pushes->front().shared(), carl.pushes->front().shared());
}

} // namespace
} // namespace parley

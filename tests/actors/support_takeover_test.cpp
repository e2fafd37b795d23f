// Takeover of a support conversation from its AI agent (docs/protocol.md §9,
// issue 6) in the real conversation actor, under CAF's deterministic test
// scheduler: messages run only when the test runs them and time moves only when the
// test advances the actor clock, so every interleaving below is exact and no test
// sleeps.
//
// The conversation actor's mailbox is the arbiter: whichever of a takeover and the
// agent's reply reaches it first wins; from the takeover on, the agent's typing has
// stopped, its replies and handoffs are refused (`conflict`) and never reach the
// writer, and it is not prompted again until reassigned.
//
// Two kinds of tests:
//   - scripted interleavings: the test itself plays the agent, sending ai_action
//     messages to the conversation in the exact mailbox order of each race, and a
//     recording hub shows which prompts the conversation hands out;
//   - end to end: the real registry, ai_hub and ai_agent actors, with the test clock
//     advanced past the agent's delay_ms.
// The other peers are the scripted actors of tests/actors/scripted_peers.hpp (a db
// actor answering `load` with a fixed snapshot, a recording writer, recording
// connections): scripted peers at an actor interface, not a database stand-in.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/conversation/conversation.hpp"
#include "actors/conversation/registry.hpp"
#include "protocol/codec.hpp"
#include "tests/actors/scripted_peers.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
using namespace scripted;
using protocol::conv_kind;
using protocol::user_kind;

using prompt_log = std::shared_ptr<std::vector<ai_prompt>>;

/// Stands in for the AI hub in the scripted tests: records the prompts the
/// conversation hands out (the test plays the agent itself).
ai_hub_actor::behavior_type recording_hub(ai_hub_actor::pointer, prompt_log prompts) {
  return {
      [=](ai_prompt_atom, const ai_prompt& p) { prompts->push_back(p); },
  };
}

/// A prompt in a few words: "robo 1 I want a refund".
std::string describe(const ai_prompt& p) {
  return p.agent + " " + std::to_string(p.seq) + " " + p.body;
}

/// A stored message in a few words: "1 carl: hello", "2 ann takeover".
std::string describe(const protocol::message& m) {
  auto out = std::to_string(m.seq) + " " + m.author;
  if (m.system) return out + " " + m.system->event;
  return out + ": " + m.body;
}

template <class T>
lines described_all(const std::vector<T>& items) {
  lines out;
  for (const auto& i : items)
    out.push_back(describe(i));
  return out;
}

/// The assignee in a `{conv}` reply ("" for none: nil).
std::string assignee_in(const frame& f) {
  auto handle = msgpack::unpack(f.view().data(), f.size());
  auto conv = protocol::find_in_map(handle.get(), "conv");
  if (!conv || conv->type != msgpack::type::MAP) return "?";
  return field(*conv, "assignee");
}

constexpr auto agent_delay = 3000ms;

class support_takeover : public ::testing::Test, public test_system {
protected:
  support_takeover() {
    protocol::org_info org;
    org.id = "o1";
    org.name = "Org";
    org.alias = "help";
    org.display_as_alias = true;
    dir->put_org(org);
    dir->put_user(user("ann", user_kind::staff));
    dir->put_user(user("bob", user_kind::staff));
    dir->put_user(user("carl", user_kind::contact));
    dir->put_user(user("help", user_kind::bot));
    dir->put_user(user("robo", user_kind::ai));
    ai_rules::config rules;
    rules.rules.push_back({{"refund"}, "Refunds take five days."});
    rules.fallback = std::string{ai_rules::handoff};
    rules.delay_ms = agent_delay.count();
    dir->put_ai_agent("robo", rules);
  }

  ~support_takeover() override {
    if (stop_me) caf::anon_send_exit(stop_me, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// The support conversation of contact carl, open, assigned to the ai user robo.
  conversation_snapshot snapshot() const {
    conversation_snapshot snap;
    snap.found = true;
    snap.conv.id = conv_id;
    snap.conv.kind = conv_kind::support;
    snap.conv.org = "o1";
    snap.conv.participants = {"carl", "help"};
    snap.conv.created_by = "carl";
    protocol::support_info s;
    s.contact = "carl";
    s.status = "open";
    s.assignee = "robo";
    snap.conv.support = s;
    return snap;
  }

  conversation_handles base_handles() {
    conversation_handles svc;
    auto config = std::make_shared<runtime_config>();
    // The idle timer fires at half of this; no test advances that far.
    config->passivate_after = std::chrono::hours{1};
    svc.config = config;
    svc.dir = dir;
    svc.stats = std::make_shared<metrics>();
    writer = sys.spawn(scripted_writer, writes);
    svc.writer = writer;
    svc.db = db_pool{{sys.spawn(scripted_db, snapshot())}};
    svc.presence = sys.spawn(recording_presence, notified);
    return svc;
  }

  /// The conversation actor alone; the test plays the agent and a recording hub
  /// receives its prompts.
  void start_scripted() {
    auto svc = base_handles();
    svc.ai = sys.spawn(recording_hub, prompts);
    // svc.registry stays unset: only an idle conversation asks it (passivation).
    auto conv = sys.spawn(conversation, conv_id, svc, false);
    target = caf::actor_cast<conversation_api>(conv);
    stop_me = caf::actor_cast<caf::actor>(conv);
    sched.run();
  }

  /// The real registry, which starts the conversation actor and the real AI hub;
  /// the hub starts robo's ai_agent on its first prompt. Every request goes through
  /// the registry, as a session's would, and so do the agent's actions.
  void start_with_agents() {
    auto reg = sys.spawn(registry, base_handles());
    target = caf::actor_cast<conversation_api>(reg);
    stop_me = caf::actor_cast<caf::actor>(reg);
    sched.run();
  }

  /// A connection of `user` that ran conv.open.
  connection open(const std::string& user) {
    auto log = std::make_shared<std::vector<frame>>();
    connection c{user, sys.spawn(recording_session, log), log};
    open_request req;
    req.rid = 1;
    req.conv = conv_id;
    req.user = user;
    req.session = c.handle;
    auto pending = client->request(target, caf::infinite, open_atom_v, std::move(req));
    sched.run();
    frame reply;
    caf::strong_actor_ptr responder; // the conversation: the registry delegated
    pending.receive(
        [&](frame& f) {
          reply = std::move(f);
          responder = client->current_sender();
        },
        [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
    EXPECT_TRUE(reply_ok(reply)) << "conv.open " << user;
    // As a session does once it has queued the reply: the subscription goes live.
    caf::send_as(c.handle, caf::actor_cast<conversation_actor>(responder), opened_atom_v);
    sched.run();
    return c;
  }

  send_request message_of(const std::string& user, std::string body) {
    send_request req;
    req.rid = 3;
    req.conv = conv_id;
    req.user = user;
    req.cid = "cid-" + body;
    req.body = std::move(body);
    return req;
  }

  support_request takeover_by(const std::string& user) {
    support_request req;
    req.rid = 4;
    req.conv = conv_id;
    req.user = user;
    req.op = support_request::takeover;
    return req;
  }

  support_request assign_to(const std::string& user, std::string assignee) {
    auto req = takeover_by(user);
    req.op = support_request::assign;
    req.assignee = std::move(assignee);
    return req;
  }

  /// What the agent robo asks, about the contact's message `prompt_seq`.
  ai_action agent(std::uint8_t kind, std::uint64_t prompt_seq, std::string body = {}) {
    ai_action a;
    a.rid = 5;
    a.conv = conv_id;
    a.agent = "robo";
    a.kind = kind;
    a.prompt_seq = prompt_seq;
    a.body = std::move(body);
    return a;
  }

  /// The conversation's current assignee, as conv.get reports it.
  std::string assignee() {
    get_request req;
    req.rid = 6;
    req.conv = conv_id;
    req.user = "ann";
    return assignee_in(ask(get_atom_v, req));
  }

  /// Lets `d` pass on the actor clock and runs whatever became due.
  void advance(caf::timespan d) {
    sched.advance_time(d);
    sched.run();
  }

  /// Sends a request without running anything: it waits in the mailbox.
  template <class Atom, class Request>
  auto post(Atom atom, Request req) {
    return client->request(target, caf::infinite, atom, std::move(req));
  }

  /// The answer to a posted request (the scheduler has run since).
  template <class Pending>
  frame answer(Pending& pending) {
    frame out;
    // Everything has run: an answer that is not here will never come (a broken
    // race would otherwise hang the test instead of failing it).
    if (client->mailbox().empty()) {
      ADD_FAILURE() << "no answer";
      return out;
    }
    pending.receive([&](frame& f) { out = std::move(f); },
                    [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
    return out;
  }

  /// Sends a request and runs everything it causes.
  template <class Atom, class Request>
  frame ask(Atom atom, Request req) {
    auto pending = post(atom, std::move(req));
    sched.run();
    return answer(pending);
  }

  /// True when the writer was ever handed a message written by the agent.
  bool agent_ever_written() const {
    for (const auto& w : writes->received)
      for (const auto& m : w.messages)
        if (m.author == "robo") return true;
    return false;
  }

  const std::string conv_id = "csupportsupportsupportsupp";
  std::shared_ptr<directory> dir = std::make_shared<directory>();
  std::shared_ptr<write_log> writes = std::make_shared<write_log>();
  prompt_log prompts = std::make_shared<std::vector<ai_prompt>>();
  frame_log notified = std::make_shared<std::vector<frame>>();
  persistence_actor writer;
  conversation_api target;
  caf::actor stop_me;
};

// -- 1. a takeover during the agent's delay ---------------------------------------

TEST_F(support_takeover, during_the_agents_delay_silences_its_typing_and_reply) {
  start_scripted();
  auto carl = open("carl");
  auto bob = open("bob");
  EXPECT_TRUE(reply_ok(ask(send_atom_v, message_of("carl", "I want a refund"))));
  EXPECT_EQ(described_all(*prompts), lines{"robo 1 I want a refund"});
  described(bob.pushes);
  described(carl.pushes);
  // The agent starts its delay: typing.
  EXPECT_TRUE(reply_ok(ask(ai_atom_v, agent(ai_action::typing_start, 1))));
  EXPECT_EQ(described(bob.pushes), lines{"typing robo ai start"});
  EXPECT_EQ(described(carl.pushes), lines{"typing help human start"})
      << "the contact sees the alias, and cannot tell an AI from a human";
  advance(1s);
  // ann takes over while the agent waits; the takeover's write is still in flight.
  writes->hold = true;
  auto takeover = post(support_atom_v, takeover_by("ann"));
  sched.run();
  EXPECT_EQ(described(bob.pushes), lines{"typing robo ai stop"})
      << "the agent's typing stops at once, before the takeover is durable";
  EXPECT_EQ(described(carl.pushes), lines{"typing help human stop"});
  // The agent's reply lands while the takeover is still being written: refused.
  EXPECT_EQ(reply_code(ask(ai_atom_v, agent(ai_action::reply, 1, "Refunds take..."))),
            "conflict");
  writes->hold = false;
  release_write(writer);
  sched.run();
  auto done = answer(takeover);
  EXPECT_TRUE(reply_ok(done));
  EXPECT_EQ(assignee_in(done), "ann");
  EXPECT_EQ(described(bob.pushes), lines{"message ann takeover"});
  EXPECT_EQ(described(carl.pushes), lines{"message ann takeover"});
  // Later actions of the agent for that prompt: refused too.
  advance(2s);
  EXPECT_EQ(reply_code(ask(ai_atom_v, agent(ai_action::typing_start, 1))), "conflict");
  EXPECT_EQ(reply_code(ask(ai_atom_v, agent(ai_action::reply, 1, "late"))), "conflict");
  EXPECT_EQ(described(bob.pushes), lines{}) << "no typing, no message from the agent";
  EXPECT_EQ(described(carl.pushes), lines{});
  EXPECT_EQ(described_all(writes->stored),
            (lines{"1 carl: I want a refund", "2 ann takeover"}));
  EXPECT_FALSE(agent_ever_written()) << "the writer never saw an agent's message";
  ASSERT_EQ(writes->stored.size(), 2u);
  ASSERT_TRUE(writes->stored[1].system);
  EXPECT_EQ(writes->stored[1].system->from, std::optional<std::string>{"robo"});
  // The takeover's write carried the new state.
  ASSERT_TRUE(writes->received.back().support);
  EXPECT_EQ(writes->received.back().support->assignee, std::optional<std::string>{"ann"});
}

// -- 2. a takeover and the agent's reply in the same instant -----------------------

TEST_F(support_takeover, reply_first_then_takeover_stores_both_in_that_order) {
  start_scripted();
  auto bob = open("bob");
  ask(send_atom_v, message_of("carl", "I want a refund"));
  ask(ai_atom_v, agent(ai_action::typing_start, 1));
  described(bob.pushes);
  auto reply = post(ai_atom_v, agent(ai_action::reply, 1, "Refunds take five days."));
  auto takeover = post(support_atom_v, takeover_by("ann"));
  sched.run();
  EXPECT_TRUE(reply_ok(answer(reply)));
  auto done = answer(takeover);
  EXPECT_TRUE(reply_ok(done));
  EXPECT_EQ(assignee_in(done), "ann");
  EXPECT_EQ(described_all(writes->stored),
            (lines{"1 carl: I want a refund", "2 robo: Refunds take five days.",
                   "3 ann takeover"}));
  EXPECT_EQ(writes->received.size(), 2u) << "the reply and the takeover: one batch";
  EXPECT_EQ(described(bob.pushes),
            (lines{"typing robo ai stop", "message robo", "message ann takeover"}));
}

TEST_F(support_takeover, takeover_first_then_reply_refuses_the_reply) {
  start_scripted();
  auto bob = open("bob");
  ask(send_atom_v, message_of("carl", "I want a refund"));
  ask(ai_atom_v, agent(ai_action::typing_start, 1));
  described(bob.pushes);
  auto takeover = post(support_atom_v, takeover_by("ann"));
  auto reply = post(ai_atom_v, agent(ai_action::reply, 1, "Refunds take five days."));
  sched.run();
  EXPECT_TRUE(reply_ok(answer(takeover)));
  EXPECT_EQ(reply_code(answer(reply)), "conflict");
  EXPECT_EQ(described_all(writes->stored),
            (lines{"1 carl: I want a refund", "2 ann takeover"}));
  EXPECT_FALSE(agent_ever_written());
  EXPECT_EQ(described(bob.pushes),
            (lines{"typing robo ai stop", "message ann takeover"}));
}

TEST_F(support_takeover, a_takeover_when_a_human_holds_it_is_a_conflict) {
  start_scripted();
  EXPECT_TRUE(reply_ok(ask(support_atom_v, takeover_by("ann"))));
  auto stored = writes->stored.size();
  EXPECT_EQ(reply_code(ask(support_atom_v, takeover_by("bob"))), "conflict")
      << "bob cannot take over from ann";
  EXPECT_EQ(writes->stored.size(), stored);
  EXPECT_EQ(assignee(), "ann");
}

// -- 3. silent until reassigned ------------------------------------------------------

TEST_F(support_takeover, the_agent_is_not_prompted_after_a_takeover_until_reassigned) {
  start_scripted();
  ask(send_atom_v, message_of("carl", "hello"));
  EXPECT_EQ(described_all(*prompts), lines{"robo 1 hello"});
  prompts->clear();
  EXPECT_TRUE(reply_ok(ask(support_atom_v, takeover_by("ann"))));
  EXPECT_TRUE(reply_ok(ask(send_atom_v, message_of("carl", "are you there"))));
  EXPECT_EQ(described_all(*prompts), lines{}) << "taken over: the agent stays silent";
  // Reassigned to the agent: it answers again.
  auto back = ask(support_atom_v, assign_to("ann", "robo"));
  EXPECT_TRUE(reply_ok(back));
  EXPECT_EQ(assignee_in(back), "robo");
  ask(send_atom_v, message_of("carl", "refund"));
  EXPECT_EQ(described_all(*prompts), lines{"robo 5 refund"});
  EXPECT_TRUE(
      reply_ok(ask(ai_atom_v, agent(ai_action::reply, 5, "Refunds take five days."))));
  EXPECT_EQ(
      described_all(writes->stored),
      (lines{"1 carl: hello", "2 ann takeover", "3 carl: are you there", "4 ann assigned",
             "5 carl: refund", "6 robo: Refunds take five days."}));
}

TEST_F(support_takeover, a_contact_message_committed_with_the_takeover_is_not_prompted) {
  start_scripted();
  // The message and the takeover in the same instant: one batch.
  auto sent = post(send_atom_v, message_of("carl", "I want a refund"));
  auto takeover = post(support_atom_v, takeover_by("ann"));
  sched.run();
  EXPECT_TRUE(reply_ok(answer(sent)));
  EXPECT_TRUE(reply_ok(answer(takeover)));
  EXPECT_EQ(writes->received.size(), 1u);
  EXPECT_EQ(described_all(*prompts), lines{}) << "durably taken over with the message";
}

TEST_F(support_takeover, a_message_durable_before_the_takeover_is_answered_by_nobody) {
  // The contact's message is in flight when the takeover lands; it becomes durable
  // first, while the agent still holds the conversation durably. Whatever the agent
  // does about it from now on is refused: the takeover stands.
  start_scripted();
  auto bob = open("bob");
  writes->hold = true;
  auto sent = post(send_atom_v, message_of("carl", "I want a refund"));
  sched.run();
  auto takeover = post(support_atom_v, takeover_by("ann"));
  sched.run();
  ASSERT_EQ(writes->held.size(), 2u) << "two batches in flight";
  writes->hold = false;
  release_write(writer);
  sched.run();
  EXPECT_TRUE(reply_ok(answer(sent)));
  release_write(writer);
  sched.run();
  EXPECT_TRUE(reply_ok(answer(takeover)));
  described(bob.pushes);
  // The agent was prompted (the takeover might have failed, see below), but is
  // refused.
  EXPECT_EQ(described_all(*prompts), lines{"robo 1 I want a refund"});
  EXPECT_EQ(reply_code(ask(ai_atom_v, agent(ai_action::typing_start, 1))), "conflict");
  EXPECT_EQ(reply_code(ask(ai_atom_v, agent(ai_action::reply, 1, "Refunds"))),
            "conflict");
  EXPECT_EQ(described(bob.pushes), lines{});
  EXPECT_EQ(described_all(writes->stored),
            (lines{"1 carl: I want a refund", "2 ann takeover"}));
  EXPECT_FALSE(agent_ever_written());
}

TEST_F(support_takeover, a_failed_takeover_leaves_the_agent_the_message_durable_before) {
  // As above, but the takeover's write fails: the conversation is the agent's again,
  // and the contact's message, durable while it was, must still reach it.
  start_scripted();
  writes->hold = true;
  auto sent = post(send_atom_v, message_of("carl", "I want a refund"));
  sched.run();
  auto takeover = post(support_atom_v, takeover_by("ann"));
  sched.run();
  writes->hold = false;
  release_write(writer);
  sched.run();
  EXPECT_TRUE(reply_ok(answer(sent)));
  writes->fail = [](const write_request&) { return true; };
  release_write(writer);
  sched.run();
  writes->fail = nullptr;
  EXPECT_EQ(reply_code(answer(takeover)), "unavailable");
  EXPECT_EQ(assignee(), "robo");
  EXPECT_EQ(described_all(*prompts), lines{"robo 1 I want a refund"})
      << "the agent assigned again has the contact's message to answer";
  EXPECT_TRUE(
      reply_ok(ask(ai_atom_v, agent(ai_action::reply, 1, "Refunds take five days."))));
  EXPECT_EQ(described_all(writes->stored),
            (lines{"1 carl: I want a refund", "2 robo: Refunds take five days."}));
}

TEST_F(support_takeover, an_assignment_to_the_agent_in_flight_still_prompts_it) {
  // ann holds the conversation; the contact's message becomes durable while ann's
  // assignment back to the agent is still being written: the agent gets it.
  start_scripted();
  ask(support_atom_v, takeover_by("ann"));
  writes->hold = true;
  auto sent = post(send_atom_v, message_of("carl", "I want a refund"));
  sched.run();
  auto back = post(support_atom_v, assign_to("ann", "robo"));
  sched.run();
  writes->hold = false;
  release_write(writer);
  sched.run();
  EXPECT_TRUE(reply_ok(answer(sent)));
  EXPECT_EQ(described_all(*prompts), lines{"robo 2 I want a refund"});
  release_write(writer);
  sched.run();
  EXPECT_TRUE(reply_ok(answer(back)));
  EXPECT_TRUE(
      reply_ok(ask(ai_atom_v, agent(ai_action::reply, 2, "Refunds take five days."))));
  EXPECT_EQ(described_all(writes->stored),
            (lines{"1 ann takeover", "2 carl: I want a refund", "3 ann assigned",
                   "4 robo: Refunds take five days."}));
}

// -- 4. a handoff from an agent that no longer holds the conversation -------------

TEST_F(support_takeover, a_handoff_after_a_takeover_is_refused_and_not_stored) {
  start_scripted();
  auto bob = open("bob");
  ask(send_atom_v, message_of("carl", "something odd"));
  ask(ai_atom_v, agent(ai_action::typing_start, 1));
  EXPECT_TRUE(reply_ok(ask(support_atom_v, takeover_by("ann"))));
  described(bob.pushes);
  auto before = writes->received.size();
  EXPECT_EQ(reply_code(ask(ai_atom_v, agent(ai_action::handoff, 1))), "conflict");
  EXPECT_EQ(writes->received.size(), before) << "nothing written";
  EXPECT_EQ(described(bob.pushes), lines{});
  EXPECT_EQ(assignee(), "ann") << "the handoff did not unassign ann";
}

TEST_F(support_takeover, a_handoff_and_a_takeover_in_the_same_instant) {
  start_scripted();
  ask(send_atom_v, message_of("carl", "something odd"));
  // Handoff first: the conversation is unassigned, so the takeover finds no AI.
  auto handoff = post(ai_atom_v, agent(ai_action::handoff, 1));
  auto takeover = post(support_atom_v, takeover_by("ann"));
  sched.run();
  EXPECT_TRUE(reply_ok(answer(handoff)));
  EXPECT_EQ(reply_code(answer(takeover)), "conflict");
  EXPECT_EQ(described_all(writes->stored),
            (lines{"1 carl: something odd", "2 robo assigned"}));
  EXPECT_EQ(assignee(), "") << "unassigned";
}

// -- 5. a takeover that is not durable ------------------------------------------------

TEST_F(support_takeover, a_failed_write_of_the_takeover_leaves_the_agent_assigned) {
  start_scripted();
  auto bob = open("bob");
  ask(send_atom_v, message_of("carl", "I want a refund"));
  described(bob.pushes);
  writes->fail = [](const write_request& w) {
    for (const auto& m : w.messages)
      if (m.system && m.system->event == "takeover") return true;
    return false;
  };
  EXPECT_EQ(reply_code(ask(support_atom_v, takeover_by("ann"))), "unavailable");
  EXPECT_EQ(assignee(), "robo") << "the state rolled back to what is durable";
  EXPECT_EQ(described(bob.pushes), lines{}) << "nothing was pushed for the takeover";
  EXPECT_EQ(described_all(writes->stored), lines{"1 carl: I want a refund"});
  // Still the agent's: its actions are accepted.
  EXPECT_TRUE(reply_ok(ask(ai_atom_v, agent(ai_action::typing_start, 1))));
  EXPECT_EQ(described(bob.pushes), lines{"typing robo ai start"});
  // The retry succeeds, with the seq the failed attempt had.
  writes->fail = nullptr;
  auto done = ask(support_atom_v, takeover_by("ann"));
  EXPECT_TRUE(reply_ok(done));
  EXPECT_EQ(assignee_in(done), "ann");
  EXPECT_EQ(described(bob.pushes),
            (lines{"typing robo ai stop", "message ann takeover"}));
  EXPECT_EQ(reply_code(ask(ai_atom_v, agent(ai_action::reply, 1, "too late"))),
            "conflict");
  EXPECT_EQ(described_all(writes->stored),
            (lines{"1 carl: I want a refund", "2 ann takeover"}));
  EXPECT_FALSE(agent_ever_written());
}

TEST_F(support_takeover, a_reply_behind_a_failed_takeover_fails_with_it) {
  // The takeover is in flight; the agent's reply is refused at once (the tentative
  // state is the arbiter), and when the takeover fails the agent holds it again.
  start_scripted();
  ask(send_atom_v, message_of("carl", "I want a refund"));
  writes->hold = true;
  writes->fail = [](const write_request&) { return true; };
  auto takeover = post(support_atom_v, takeover_by("ann"));
  auto reply = post(ai_atom_v, agent(ai_action::reply, 1, "Refunds take five days."));
  sched.run();
  EXPECT_EQ(reply_code(answer(reply)), "conflict");
  writes->hold = false;
  release_write(writer);
  sched.run();
  EXPECT_EQ(reply_code(answer(takeover)), "unavailable");
  writes->fail = nullptr;
  EXPECT_EQ(assignee(), "robo");
  EXPECT_TRUE(
      reply_ok(ask(ai_atom_v, agent(ai_action::reply, 1, "Refunds take five days."))));
  EXPECT_EQ(described_all(writes->stored),
            (lines{"1 carl: I want a refund", "2 robo: Refunds take five days."}));
}

// -- end to end: the real registry, hub and agent ----------------------------------

TEST_F(support_takeover, end_to_end_the_agent_answers_after_its_delay) {
  start_with_agents();
  auto carl = open("carl");
  auto bob = open("bob");
  EXPECT_TRUE(reply_ok(ask(send_atom_v, message_of("carl", "I want a refund"))));
  EXPECT_EQ(described(bob.pushes), (lines{"message carl", "typing robo ai start"}));
  advance(agent_delay - 1ms);
  EXPECT_EQ(described_all(writes->stored), lines{"1 carl: I want a refund"});
  advance(1ms);
  EXPECT_EQ(described_all(writes->stored),
            (lines{"1 carl: I want a refund", "2 robo: Refunds take five days."}));
  EXPECT_EQ(described(bob.pushes), (lines{"typing robo ai stop", "message robo"}));
}

TEST_F(support_takeover, end_to_end_a_takeover_during_the_delay_leaves_no_reply) {
  start_with_agents();
  auto carl = open("carl");
  auto bob = open("bob");
  ask(send_atom_v, message_of("carl", "I want a refund"));
  EXPECT_EQ(described(bob.pushes), (lines{"message carl", "typing robo ai start"}));
  described(carl.pushes);
  advance(1s);
  auto done = ask(support_atom_v, takeover_by("ann"));
  EXPECT_TRUE(reply_ok(done));
  EXPECT_EQ(assignee_in(done), "ann");
  EXPECT_EQ(described(bob.pushes),
            (lines{"typing robo ai stop", "message ann takeover"}));
  EXPECT_EQ(described(carl.pushes).front(), "typing help human stop");
  // The agent's delay ends: its reply is refused and never written.
  advance(agent_delay);
  advance(10s);
  EXPECT_EQ(described(bob.pushes), lines{});
  EXPECT_EQ(described(carl.pushes), lines{});
  EXPECT_EQ(described_all(writes->stored),
            (lines{"1 carl: I want a refund", "2 ann takeover"}));
  EXPECT_FALSE(agent_ever_written());
  // The contact writes again: the agent stays silent.
  ask(send_atom_v, message_of("carl", "hello?"));
  advance(10s);
  EXPECT_EQ(described(bob.pushes), lines{"message carl"}) << "no typing from the agent";
  EXPECT_FALSE(agent_ever_written());
  // Reassigned to it, the agent answers the next message.
  ask(support_atom_v, assign_to("ann", "robo"));
  ask(send_atom_v, message_of("carl", "refund now"));
  advance(agent_delay);
  EXPECT_EQ(
      described_all(writes->stored),
      (lines{"1 carl: I want a refund", "2 ann takeover", "3 carl: hello?",
             "4 ann assigned", "5 carl: refund now", "6 robo: Refunds take five days."}));
}

TEST_F(support_takeover, end_to_end_the_agents_fallback_hands_off) {
  start_with_agents();
  auto bob = open("bob");
  ask(send_atom_v, message_of("carl", "my parcel is lost"));
  advance(agent_delay);
  EXPECT_EQ(described_all(writes->stored),
            (lines{"1 carl: my parcel is lost", "2 robo assigned"}));
  EXPECT_EQ(assignee(), "") << "unassigned";
  EXPECT_EQ(reply_code(ask(support_atom_v, takeover_by("ann"))), "conflict")
      << "nothing to take over from";
}

} // namespace
} // namespace parley

// msg.send sequencing and the rollback of a failed commit in the real conversation
// actor (actors/conversation/conversation.cpp), under CAF's deterministic test
// scheduler: a message runs only when the test runs the scheduler, so the mailbox
// order of every race below is exact and no test sleeps.
//
// What is checked, at the conversation's actor interface:
//   - seqs are consecutive and gapless, in the order sends reach the mailbox, also
//     from several sessions and pipelined while earlier batches are in flight;
//   - a sender is answered only once the writer (the persistence actor) committed
//     its message; a retry with the same (author, cid) answers the original's seq
//     and is never written twice;
//   - when the writer fails a batch, every sender of it (and of everything assigned
//     after it) is answered `unavailable`, nothing reaches a subscriber, the seqs are
//     handed out again, and what comes next is written under a newer write epoch
//     (write_epoch.hpp, seq_ledger.hpp) so that the writer's commit_policy accepts
//     it while refusing what is left of the failed epoch.
//
// The peers are the scripted actors of tests/actors/scripted_peers.hpp (a db actor
// answering `load` with a fixed snapshot, a writer that records each write_request
// and, when told to hold, answers each as the test says, recording presence and
// connections): scripted peers at an actor interface, not a database stand-in.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/conversation/conversation.hpp"
#include "actors/rules/commit_policy.hpp"
#include "actors/rules/ids.hpp"
#include "protocol/codec.hpp"
#include "tests/actors/scripted_peers.hpp"

namespace parley {
namespace {

using namespace scripted;
using protocol::conv_kind;
using protocol::user_kind;

// -- reading replies, pushes and writes --------------------------------------------

std::uint64_t uint_field(const frame& f, std::string_view key) {
  auto handle = msgpack::unpack(f.view().data(), f.size());
  auto o = protocol::find_in_map(handle.get(), key);
  if (!o || o->type != msgpack::type::POSITIVE_INTEGER) return 0;
  return o->via.u64;
}

/// A msg.send reply in a few words: "ok 3", "ok 3 dup", "unavailable".
std::string described_reply(const frame& f) {
  if (!reply_ok(f)) return reply_code(f);
  auto handle = msgpack::unpack(f.view().data(), f.size());
  auto out = "ok " + field(handle.get(), "seq");
  if (field(handle.get(), "dup") == "true") out += " dup";
  return out;
}

/// The pushes recorded so far, messages as "3 ann: hello" and the rest as
/// scripted::describe says; the log is emptied.
lines pushed(const frame_log& log) {
  lines out;
  for (const auto& f : *log) {
    auto handle = msgpack::unpack(f.view().data(), f.size());
    const auto& m = handle.get();
    if (field(m, "op") == "message")
      out.push_back(field(m, "seq") + " " + field(m, "author") + ": " + field(m, "body"));
    else
      out.push_back(describe(f));
  }
  log->clear();
  return out;
}

/// A write request's messages: "1 ann: hello, 2 bob: hi".
std::string described_write(const write_request& w) {
  std::string out;
  for (const auto& m : w.messages) {
    if (!out.empty()) out += ", ";
    out += std::to_string(m.seq) + " " + m.author + ": " + m.body;
  }
  return out;
}

lines described_writes(const std::vector<write_request>& writes) {
  lines out;
  for (const auto& w : writes)
    out.push_back(described_write(w));
  return out;
}

lines described_messages(const std::vector<protocol::message>& messages) {
  lines out;
  for (const auto& m : messages)
    out.push_back(std::to_string(m.seq) + " " + m.author + ": " + m.body);
  return out;
}

// -- the fixture ------------------------------------------------------------------

class conversation_send : public ::testing::Test, public test_system {
protected:
  conversation_send() {
    protocol::org_info org;
    org.id = "o1";
    org.name = "Org";
    org.alias = "help";
    dir->put_org(org);
    dir->put_user(user("ann", user_kind::staff));
    dir->put_user(user("bob", user_kind::staff));
    dir->put_user(user("carl", user_kind::contact));
    dir->put_user(user("help", user_kind::bot));
  }

  ~conversation_send() override {
    if (conv) caf::anon_send_exit(conv, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// The private conversation of ann and bob, `last_seq` messages long, whose
  /// newest messages had the idempotency keys `keys` (as the database reports them).
  conversation_snapshot snapshot(std::uint64_t last_seq = 0,
                                 std::vector<protocol::cid_entry> keys = {}) const {
    conversation_snapshot snap;
    snap.found = true;
    snap.conv.id = conv_id;
    snap.conv.kind = conv_kind::private_;
    snap.conv.org = "o1";
    snap.conv.participants = {"ann", "bob"};
    snap.conv.created_by = "ann";
    snap.conv.last_seq = last_seq;
    snap.conv.last_ts = last_seq == 0 ? 0 : 1000;
    snap.recent_keys = std::move(keys);
    return snap;
  }

  conversation_handles base_handles(conversation_snapshot snap) {
    conversation_handles svc;
    auto config = std::make_shared<runtime_config>();
    // The idle timer fires at half of this; no test advances that far.
    config->passivate_after = std::chrono::hours{1};
    svc.config = config;
    svc.dir = dir;
    svc.stats = std::make_shared<metrics>();
    writer = sys.spawn(scripted_writer, writes);
    svc.writer = writer;
    svc.db = db_pool{{sys.spawn(scripted_db, std::move(snap))}};
    svc.presence = sys.spawn(recording_presence, notified);
    // svc.registry stays unset: only an idle conversation asks it (passivation).
    return svc;
  }

  /// Spawns the conversation, which loads `snap`, without running anything:
  /// requests posted now reach it while it is still loading.
  void spawn(conversation_snapshot snap) {
    conv = sys.spawn(conversation, conv_id, base_handles(std::move(snap)), false);
  }

  /// Spawns the conversation and lets it load `snap`.
  void start(conversation_snapshot snap) {
    spawn(std::move(snap));
    sched.run();
  }

  void start() { start(snapshot()); }

  /// A connection of `user` that ran conv.open and is live.
  connection open(const std::string& user) {
    auto log = std::make_shared<std::vector<frame>>();
    connection c{user, sys.spawn(recording_session, log), log};
    open_request req;
    req.rid = 1;
    req.conv = conv_id;
    req.user = user;
    req.session = c.handle;
    auto pending = client->request(conv, caf::infinite, open_atom_v, std::move(req));
    sched.run();
    EXPECT_TRUE(reply_ok(answer(client, pending))) << "conv.open " << user;
    // As a session does once it has queued the reply: the subscription goes live.
    caf::send_as(c.handle, conv, opened_atom_v);
    sched.run();
    return c;
  }

  /// msg.send of `user` with client id `cid` (and `cid` as its body).
  send_request message(const std::string& user, const std::string& cid) {
    send_request req;
    req.rid = ++last_rid;
    req.conv = conv_id;
    req.user = user;
    req.cid = cid;
    req.body = cid;
    return req;
  }

  /// Sends a request from the session `from` without running anything: it waits
  /// in the conversation's mailbox behind whatever is there.
  auto post(caf::scoped_actor& from, send_request req) {
    return from->request(conv, caf::infinite, send_atom_v, std::move(req));
  }

  /// The answer to a posted request (the scheduler has run since).
  template <class Pending>
  frame answer(caf::scoped_actor& from, Pending& pending) {
    frame out;
    // Everything has run: an answer that is not here will never come (a broken
    // sequence would otherwise hang the test instead of failing it).
    if (from->mailbox().empty()) {
      ADD_FAILURE() << "no answer";
      return out;
    }
    pending.receive([&](frame& f) { out = std::move(f); },
                    [&](caf::error& e) { ADD_FAILURE() << sys.render(e); });
    return out;
  }

  template <class Pending>
  std::string reply_to(caf::scoped_actor& from, Pending& pending) {
    return described_reply(answer(from, pending));
  }

  /// Sends a message and runs everything it causes (the writer answers at once
  /// unless it holds its writes).
  std::string send(caf::scoped_actor& from, send_request req) {
    auto pending = post(from, std::move(req));
    sched.run();
    return reply_to(from, pending);
  }

  /// True when no session has an answer waiting.
  bool no_answers() {
    return client->mailbox().empty() && phone->mailbox().empty() &&
           laptop->mailbox().empty();
  }

  std::vector<std::uint64_t> epochs() const {
    std::vector<std::uint64_t> out;
    for (const auto& w : writes->received)
      out.push_back(w.epoch);
    return out;
  }

  const std::string conv_id = "csendsendsendsendsendsends";
  std::shared_ptr<directory> dir = std::make_shared<directory>();
  std::shared_ptr<write_log> writes = std::make_shared<write_log>();
  frame_log notified = std::make_shared<std::vector<frame>>();
  persistence_actor writer;
  conversation_actor conv;
  std::uint64_t last_rid = 100;
  // Three sessions: `client` (ann's desktop, from test_system), ann's phone and
  // bob's laptop.
  caf::scoped_actor phone{sys, true};
  caf::scoped_actor laptop{sys, true};
};

// -- (a) sequencing ------------------------------------------------------------------

TEST_F(conversation_send, pipelined_sends_from_several_sessions_get_consecutive_seqs) {
  start();
  auto bob = open("bob");
  writes->hold = true;
  // Four sends from three sessions reach the mailbox before anything runs.
  auto a1 = post(client, message("ann", "a1"));
  auto b1 = post(laptop, message("bob", "b1"));
  auto a2 = post(phone, message("ann", "a2"));
  auto b2 = post(laptop, message("bob", "b2"));
  sched.run();
  EXPECT_EQ(described_writes(writes->received),
            lines{"1 ann: a1, 2 bob: b1, 3 ann: a2, 4 bob: b2"})
      << "one batch, in arrival order";
  EXPECT_TRUE(no_answers()) << "nobody is answered before the commit";
  EXPECT_EQ(pushed(bob.pushes), lines{});
  // Two more while the first batch is in flight: the next batch goes out at once,
  // behind it and in the same epoch.
  auto a3 = post(phone, message("ann", "a3"));
  auto b3 = post(laptop, message("bob", "b3"));
  sched.run();
  ASSERT_EQ(writes->received.size(), 2u);
  EXPECT_EQ(described_write(writes->received[1]), "5 ann: a3, 6 bob: b3");
  EXPECT_EQ(writes->received[0].epoch, writes->received[1].epoch);
  EXPECT_TRUE(no_answers());
  // The first commit answers its four senders, and only them.
  answer_write(writer, *writes, write_status::committed);
  sched.run();
  EXPECT_EQ(reply_to(client, a1), "ok 1");
  EXPECT_EQ(reply_to(laptop, b1), "ok 2");
  EXPECT_EQ(reply_to(phone, a2), "ok 3");
  EXPECT_EQ(reply_to(laptop, b2), "ok 4");
  EXPECT_TRUE(no_answers()) << "5 and 6 are not durable yet";
  EXPECT_EQ(pushed(bob.pushes),
            (lines{"1 ann: a1", "2 bob: b1", "3 ann: a2", "4 bob: b2"}));
  answer_write(writer, *writes, write_status::committed);
  sched.run();
  EXPECT_EQ(reply_to(phone, a3), "ok 5");
  EXPECT_EQ(reply_to(laptop, b3), "ok 6");
  EXPECT_EQ(pushed(bob.pushes), (lines{"5 ann: a3", "6 bob: b3"}));
  EXPECT_EQ(described_messages(writes->stored),
            (lines{"1 ann: a1", "2 bob: b1", "3 ann: a2", "4 bob: b2", "5 ann: a3",
                   "6 bob: b3"}));
}

TEST_F(conversation_send, rights_lost_in_the_directory_take_effect_at_the_next_message) {
  // Rights are decided once and kept (access_cache.hpp) while nothing they depend
  // on changes; a change of the directory between two messages must still end the
  // subscription and the notifications at the very next one.
  start();
  auto bob = open("bob");
  EXPECT_EQ(send(client, message("ann", "a1")), "ok 1");
  EXPECT_EQ(pushed(bob.pushes), lines{"1 ann: a1"});
  EXPECT_EQ(notified->size(), 1u) << "bob's unread count";
  notified->clear();
  auto moved = user("bob", user_kind::staff);
  moved.org = "o2"; // bob now belongs to another organisation
  dir->put_user(moved);
  EXPECT_EQ(send(client, message("ann", "a2")), "ok 2");
  EXPECT_EQ(pushed(bob.pushes), lines{}) << "bob's subscription was revoked";
  EXPECT_EQ(notified->size(), 0u) << "no notification to a user who cannot read";
  // Back in the organisation: notified again from the next message on (the
  // revoked subscription stays ended until bob opens it again).
  dir->put_user(user("bob", user_kind::staff));
  EXPECT_EQ(send(client, message("ann", "a3")), "ok 3");
  EXPECT_EQ(pushed(bob.pushes), lines{});
  EXPECT_EQ(notified->size(), 1u);
}

TEST_F(conversation_send, a_reply_carries_the_seq_and_ts_that_were_written) {
  start();
  auto pending = post(client, message("ann", "a1"));
  sched.run();
  auto reply = answer(client, pending);
  ASSERT_EQ(writes->stored.size(), 1u);
  EXPECT_EQ(uint_field(reply, "rid"), last_rid);
  EXPECT_EQ(uint_field(reply, "seq"), writes->stored[0].seq);
  EXPECT_EQ(static_cast<std::int64_t>(uint_field(reply, "ts")), writes->stored[0].ts);
  EXPECT_GT(writes->stored[0].ts, 0);
}

TEST_F(conversation_send, sends_arriving_while_it_loads_continue_after_the_last_seq) {
  // The database holds 41 messages; three sends reach the conversation before its
  // snapshot does. They wait, then take 42, 43, 44 in the order they arrived.
  spawn(snapshot(41));
  auto b1 = post(laptop, message("bob", "b1"));
  auto a1 = post(client, message("ann", "a1"));
  auto a2 = post(phone, message("ann", "a2"));
  sched.run();
  EXPECT_EQ(reply_to(laptop, b1), "ok 42");
  EXPECT_EQ(reply_to(client, a1), "ok 43");
  EXPECT_EQ(reply_to(phone, a2), "ok 44");
  EXPECT_EQ(described_writes(writes->received),
            lines{"42 bob: b1, 43 ann: a1, 44 ann: a2"});
}

TEST_F(conversation_send, a_retry_while_in_flight_waits_for_the_original_write) {
  start();
  auto bob = open("bob");
  writes->hold = true;
  auto first = post(client, message("ann", "a1"));
  sched.run();
  // ann's phone retries (the desktop's connection dropped, say) before the commit.
  auto retry = post(phone, message("ann", "a1"));
  auto other = post(laptop, message("bob", "b1"));
  sched.run();
  EXPECT_EQ(described_writes(writes->received), (lines{"1 ann: a1", "2 bob: b1"}))
      << "the retry is not written: b1 takes the next seq";
  EXPECT_TRUE(no_answers()) << "the retry waits for the original's commit too";
  answer_write(writer, *writes, write_status::committed);
  sched.run();
  EXPECT_EQ(reply_to(client, first), "ok 1");
  EXPECT_EQ(reply_to(phone, retry), "ok 1 dup");
  EXPECT_TRUE(no_answers());
  answer_write(writer, *writes, write_status::committed);
  sched.run();
  EXPECT_EQ(reply_to(laptop, other), "ok 2");
  EXPECT_EQ(pushed(bob.pushes), (lines{"1 ann: a1", "2 bob: b1"}))
      << "one push per message";
  EXPECT_EQ(described_messages(writes->stored), (lines{"1 ann: a1", "2 bob: b1"}));
}

TEST_F(conversation_send, a_retry_after_the_commit_answers_the_stored_seq_unwritten) {
  start();
  auto bob = open("bob");
  auto first = post(client, message("ann", "a1"));
  sched.run();
  auto original = answer(client, first);
  EXPECT_EQ(send(laptop, message("bob", "b1")), "ok 2");
  pushed(bob.pushes);
  auto retry = post(phone, message("ann", "a1"));
  sched.run();
  auto again = answer(phone, retry);
  EXPECT_EQ(described_reply(again), "ok 1 dup");
  EXPECT_EQ(uint_field(again, "ts"), uint_field(original, "ts")) << "the stored ts";
  EXPECT_EQ(writes->received.size(), 2u) << "no second write";
  EXPECT_EQ(pushed(bob.pushes), lines{}) << "no second push";
  EXPECT_EQ(send(client, message("ann", "a2")), "ok 3") << "the retry took no seq";
}

TEST_F(conversation_send, a_retry_of_a_key_from_the_snapshot_is_not_written_again) {
  // An earlier incarnation stored seq 7 with ann's cid "old" (the snapshot's keys).
  start(snapshot(9, {protocol::cid_entry{conv_id, "ann", "old", 7, 777}}));
  auto reply = post(client, message("ann", "old"));
  sched.run();
  auto f = answer(client, reply);
  EXPECT_EQ(described_reply(f), "ok 7 dup");
  EXPECT_EQ(uint_field(f, "ts"), 777u);
  EXPECT_TRUE(writes->received.empty());
  EXPECT_EQ(send(client, message("ann", "new")), "ok 10");
}

TEST_F(conversation_send, the_same_cid_from_another_author_is_another_message) {
  start();
  EXPECT_EQ(send(client, message("ann", "x")), "ok 1");
  EXPECT_EQ(send(laptop, message("bob", "x")), "ok 2");
  EXPECT_EQ(described_messages(writes->stored), (lines{"1 ann: x", "2 bob: x"}));
}

// -- (b) a failed commit -------------------------------------------------------------

TEST_F(conversation_send, a_failed_commit_answers_every_sender_of_the_batch_unavailable) {
  start();
  auto ann = open("ann");
  auto bob = open("bob");
  writes->hold = true;
  auto a1 = post(client, message("ann", "a1"));
  auto b1 = post(laptop, message("bob", "b1"));
  auto a2 = post(client, message("ann", "a2"));
  sched.run();
  auto retry = post(phone, message("ann", "a1")); // waits for a1
  sched.run();
  ASSERT_EQ(described_writes(writes->received), lines{"1 ann: a1, 2 bob: b1, 3 ann: a2"});
  answer_write(writer, *writes, write_status::unavailable);
  sched.run();
  EXPECT_EQ(reply_to(client, a1), "unavailable");
  EXPECT_EQ(reply_to(laptop, b1), "unavailable");
  EXPECT_EQ(reply_to(client, a2), "unavailable");
  EXPECT_EQ(reply_to(phone, retry), "unavailable");
  EXPECT_TRUE(no_answers());
  EXPECT_EQ(pushed(ann.pushes), lines{}) << "nothing pushed for failed messages";
  EXPECT_EQ(pushed(bob.pushes), lines{});
  EXPECT_EQ(pushed(notified), lines{}) << "nobody notified";
  EXPECT_TRUE(writes->stored.empty());
}

TEST_F(conversation_send, the_seqs_of_a_failed_batch_are_given_out_again) {
  start();
  auto bob = open("bob");
  EXPECT_EQ(send(client, message("ann", "a1")), "ok 1");
  EXPECT_EQ(send(laptop, message("bob", "b1")), "ok 2");
  pushed(bob.pushes);
  writes->hold = true;
  auto a2 = post(client, message("ann", "a2"));
  auto b2 = post(laptop, message("bob", "b2"));
  sched.run();
  answer_write(writer, *writes, write_status::unavailable);
  sched.run();
  EXPECT_EQ(reply_to(client, a2), "unavailable");
  EXPECT_EQ(reply_to(laptop, b2), "unavailable");
  EXPECT_EQ(pushed(bob.pushes), lines{});
  // The next send takes 3 again; ann's retry of a2 is a new message after it.
  writes->hold = false;
  EXPECT_EQ(send(laptop, message("bob", "b3")), "ok 3");
  EXPECT_EQ(send(phone, message("ann", "a2")), "ok 4") << "written again, not dup";
  EXPECT_EQ(described_writes(writes->received),
            (lines{"1 ann: a1", "2 bob: b1", "3 ann: a2, 4 bob: b2", "3 bob: b3",
                   "4 ann: a2"}));
  EXPECT_EQ(described_messages(writes->stored),
            (lines{"1 ann: a1", "2 bob: b1", "3 bob: b3", "4 ann: a2"}))
      << "no gap, no seq twice";
  auto e = epochs();
  EXPECT_EQ(e[0], e[1]);
  EXPECT_EQ(e[1], e[2]) << "the failed batch was of the epoch that committed 1 and 2";
  EXPECT_GT(e[3], e[2]) << "after the failure: a newer epoch";
  EXPECT_EQ(e[3], e[4]);
  EXPECT_EQ(pushed(bob.pushes), (lines{"3 bob: b3", "4 ann: a2"}));
}

TEST_F(conversation_send, sends_queued_behind_the_failure_commit_in_a_new_epoch) {
  start();
  auto ann = open("ann");
  writes->hold = true;
  auto a1 = post(client, message("ann", "a1"));
  auto b1 = post(laptop, message("bob", "b1"));
  sched.run();
  // The writer fails the batch; its answer reaches the conversation's mailbox ...
  answer_write(writer, *writes, write_status::unavailable);
  sched.run_once(); // the writer only
  ASSERT_TRUE(sched.has_job()) << "the answer waits in the conversation's mailbox";
  EXPECT_TRUE(no_answers());
  // ... and two sends queue behind it.
  auto b2 = post(laptop, message("bob", "b2"));
  auto a2 = post(phone, message("ann", "a2"));
  sched.run();
  EXPECT_EQ(reply_to(client, a1), "unavailable");
  EXPECT_EQ(reply_to(laptop, b1), "unavailable");
  EXPECT_TRUE(no_answers()) << "b2 and a2 wait for their own commit";
  ASSERT_EQ(writes->received.size(), 2u);
  EXPECT_EQ(described_write(writes->received[1]), "1 bob: b2, 2 ann: a2")
      << "the released seqs, in arrival order";
  EXPECT_GT(writes->received[1].epoch, writes->received[0].epoch);
  // The writer's rule (commit_policy, persistence.cpp) accepts the new epoch after
  // the failure of the old one.
  commit_policy<int> policy;
  policy.offer(conv_id, writes->received[0].epoch, 0);
  policy.take_batch();
  policy.mark_failed(conv_id, writes->received[0].epoch);
  EXPECT_FALSE(policy.offer(conv_id, writes->received[1].epoch, 1)) << "not stale";
  answer_write(writer, *writes, write_status::committed);
  sched.run();
  EXPECT_EQ(reply_to(laptop, b2), "ok 1");
  EXPECT_EQ(reply_to(phone, a2), "ok 2");
  EXPECT_EQ(pushed(ann.pushes), (lines{"1 bob: b2", "2 ann: a2"}))
      << "only the committed messages, with their seqs";
  EXPECT_EQ(described_messages(writes->stored), (lines{"1 bob: b2", "2 ann: a2"}));
}

TEST_F(conversation_send, what_was_assigned_behind_a_failed_batch_fails_with_it) {
  // Batch A (1, 2) and batch B (3) are both in flight when A fails: B's message
  // fails too (committing it would leave a gap). The writer refuses B as stale,
  // and that late answer touches nothing of the new epoch.
  start();
  auto bob = open("bob");
  writes->hold = true;
  auto a1 = post(client, message("ann", "a1"));
  auto a2 = post(client, message("ann", "a2"));
  sched.run();
  auto a3 = post(phone, message("ann", "a3"));
  sched.run();
  ASSERT_EQ(described_writes(writes->received),
            (lines{"1 ann: a1, 2 ann: a2", "3 ann: a3"}));
  answer_write(writer, *writes, write_status::unavailable); // A
  sched.run();
  EXPECT_EQ(reply_to(client, a1), "unavailable");
  EXPECT_EQ(reply_to(client, a2), "unavailable");
  EXPECT_EQ(reply_to(phone, a3), "unavailable") << "behind the failed batch";
  // A new send while the writer still holds B.
  auto b1 = post(laptop, message("bob", "b1"));
  sched.run();
  ASSERT_EQ(writes->received.size(), 3u);
  EXPECT_EQ(described_write(writes->received[2]), "1 bob: b1");
  EXPECT_GT(writes->received[2].epoch, writes->received[1].epoch);
  answer_write(writer, *writes, write_status::stale); // B, as the real writer does
  sched.run();
  EXPECT_TRUE(no_answers()) << "the stale answer of the old epoch fails nothing new";
  answer_write(writer, *writes, write_status::committed); // b1
  sched.run();
  EXPECT_EQ(reply_to(laptop, b1), "ok 1");
  EXPECT_EQ(pushed(bob.pushes), lines{"1 bob: b1"});
  // a3 is retried and takes the next seq.
  writes->hold = false;
  EXPECT_EQ(send(phone, message("ann", "a3")), "ok 2");
  EXPECT_EQ(described_messages(writes->stored), (lines{"1 bob: b1", "2 ann: a3"}));
}

TEST_F(conversation_send, a_commit_answer_for_a_failed_epoch_changes_nothing) {
  // Whatever the writer says about a batch of a failed epoch comes too late: its
  // messages have been answered `unavailable` and their seqs given out again.
  start();
  auto bob = open("bob");
  writes->hold = true;
  auto a1 = post(client, message("ann", "a1"));
  sched.run();
  auto a2 = post(client, message("ann", "a2"));
  sched.run();
  answer_write(writer, *writes, write_status::unavailable);
  sched.run();
  EXPECT_EQ(reply_to(client, a1), "unavailable");
  EXPECT_EQ(reply_to(client, a2), "unavailable");
  auto b1 = post(laptop, message("bob", "b1"));
  sched.run();
  answer_write(writer, *writes, write_status::committed); // a2's batch, old epoch
  sched.run();
  EXPECT_TRUE(no_answers());
  EXPECT_EQ(pushed(bob.pushes), lines{}) << "the old epoch's batch is not fanned out";
  answer_write(writer, *writes, write_status::committed);
  sched.run();
  EXPECT_EQ(reply_to(laptop, b1), "ok 1");
  EXPECT_EQ(pushed(bob.pushes), lines{"1 bob: b1"});
}

TEST_F(conversation_send, a_writer_that_is_gone_fails_the_send_like_a_failed_commit) {
  start();
  auto bob = open("bob");
  caf::anon_send_exit(writer, caf::exit_reason::kill);
  sched.run();
  EXPECT_EQ(send(client, message("ann", "a1")), "unavailable");
  EXPECT_EQ(pushed(bob.pushes), lines{});
  EXPECT_EQ(pushed(notified), lines{});
}

// -- a writer that does not answer (a stuck database) -------------------------------

TEST_F(conversation_send, a_write_never_answered_fails_at_the_database_deadline) {
  // The writer holds the batch forever (its database hangs): the sender is answered
  // `unavailable` once the deadline (runtime_config::db_wait) passes, not never.
  start();
  auto bob = open("bob");
  writes->hold = true;
  auto a1 = post(client, message("ann", "a1"));
  sched.run();
  auto wait = runtime_config{}.db_wait();
  sched.advance_time(wait - std::chrono::milliseconds{1});
  sched.run();
  EXPECT_TRUE(no_answers()) << "still within the deadline";
  sched.advance_time(std::chrono::milliseconds{1});
  sched.run();
  EXPECT_EQ(reply_to(client, a1), "unavailable");
  EXPECT_EQ(pushed(bob.pushes), lines{});
  // The seq is given out again: the next send is written as 1, in a newer epoch.
  post(laptop, message("bob", "b1")); // its answer is not the point here
  sched.run();
  ASSERT_EQ(writes->received.size(), 2u);
  EXPECT_EQ(described_write(writes->received[1]), "1 bob: b1");
  EXPECT_GT(writes->received[1].epoch, writes->received[0].epoch);
  // Both held writes are answered in the end: a promise never delivered keeps its
  // requester, and with it the conversation, alive (a leak in the test).
  answer_write(writer, *writes, write_status::unavailable);
  answer_write(writer, *writes, write_status::unavailable);
  sched.run();
}

TEST_F(conversation_send, a_write_committed_after_its_deadline_is_not_stored_twice) {
  // The outcome of a timed-out write is unknown to the conversation: here the
  // database committed it after all. The answer comes too late and changes
  // nothing; the retry with the same cid gets the stored seq (the unique keys
  // catch it), and the conversation never holds two copies or a gap.
  start();
  auto bob = open("bob");
  writes->hold = true;
  writes->unique_keys = true;
  auto a1 = post(client, message("ann", "a1"));
  sched.run();
  sched.advance_time(runtime_config{}.db_wait());
  sched.run();
  EXPECT_EQ(reply_to(client, a1), "unavailable");
  answer_write(writer, *writes, write_status::committed); // late: stored as 1
  sched.run();
  EXPECT_TRUE(no_answers());
  EXPECT_EQ(pushed(bob.pushes), lines{}) << "a late answer is dropped";
  auto retry = post(client, message("ann", "a1"));
  sched.run();
  answer_write(writer, *writes, write_status::committed); // collides with seq 1
  sched.run();
  EXPECT_EQ(reply_to(client, retry), "ok 1 dup");
  EXPECT_EQ(described_messages(writes->stored), lines{"1 ann: a1"});
  // The conversation has learnt that PostgreSQL holds more than it knew: its next
  // write collides with the stored seq and is refused (`unavailable`, never a
  // second message 1), and the actor stops, so that the next request starts one
  // that loads what PostgreSQL holds (the integration tests in
  // tests/integration/pg_faults_test.cpp go through the whole story).
  auto b1 = post(laptop, message("bob", "b1"));
  sched.run();
  answer_write(writer, *writes, write_status::committed);
  sched.run();
  EXPECT_EQ(reply_to(laptop, b1), "unavailable");
  EXPECT_EQ(described_messages(writes->stored), lines{"1 ann: a1"});
}

TEST_F(conversation_send, a_load_never_answered_fails_the_waiting_requests) {
  // The db worker never answers the load (its database hangs): the sends waiting
  // for the conversation are answered `unavailable` at the deadline and the actor
  // stops, so the next request starts a fresh one.
  conversation_handles svc = base_handles(snapshot());
  svc.db = db_pool{{sys.spawn(hanging_db)}};
  conv = sys.spawn(conversation, conv_id, std::move(svc), false);
  auto a1 = post(client, message("ann", "a1"));
  auto b1 = post(laptop, message("bob", "b1"));
  sched.run();
  EXPECT_TRUE(no_answers());
  sched.advance_time(runtime_config{}.db_wait());
  sched.run();
  EXPECT_EQ(reply_to(client, a1), "unavailable");
  EXPECT_EQ(reply_to(laptop, b1), "unavailable");
  EXPECT_TRUE(writes->received.empty());
}

// -- a failed create ---------------------------------------------------------------

TEST_F(conversation_send, a_support_conversation_can_be_created_after_a_failed_create) {
  // A contact's support conversation has a fixed id (support_conversation_id), so a
  // retried conv.create starts a fresh actor for the same id. The writer is
  // played with its epoch rule (commit_policy, as persistence.cpp applies it): the
  // first create fails because the database is unreachable, which marks that
  // write's epoch failed; a request of a failed epoch is refused as stale.
  auto policy = std::make_shared<commit_policy<int>>();
  auto database_up = std::make_shared<bool>(false);
  writes->fail = [=](const write_request& w) {
    if (policy->offer(w.conv, w.epoch, 0)) return true; // stale
    policy->take_batch();
    if (*database_up) return false;
    policy->mark_failed(w.conv, w.epoch);
    return true;
  };
  auto id = support_conversation_id("o1", "carl");
  auto create = [&] {
    create_request req;
    req.rid = ++last_rid;
    req.conv.id = id;
    req.conv.kind = conv_kind::support;
    req.conv.org = "o1";
    req.conv.participants = {"carl", "help"};
    req.conv.created_by = "carl";
    protocol::support_info s;
    s.contact = "carl";
    s.status = "open";
    req.conv.support = s;
    conversation_handles svc = base_handles(snapshot());
    auto fresh = sys.spawn(conversation, id, svc, true);
    auto pending = client->request(fresh, caf::infinite, create_atom_v, std::move(req));
    sched.run();
    auto reply = answer(client, pending);
    std::string out = reply_ok(reply) ? "ok" : reply_code(reply);
    caf::anon_send_exit(fresh, caf::exit_reason::user_shutdown);
    sched.run();
    return out;
  };
  EXPECT_EQ(create(), "unavailable");
  *database_up = true;
  EXPECT_EQ(create(), "ok") << "the retry is refused as stale: the database is up";
  ASSERT_EQ(writes->received.size(), 2u);
  EXPECT_GT(writes->received[1].epoch, writes->received[0].epoch)
      << "both creates were written with epoch " << writes->received[0].epoch
      << ", which the first one's failure marked failed";
}

} // namespace
} // namespace parley

// A node of three dies or stops under load (docs/protocol.md §12, issue 17):
// - kill -9: every conversation acks again within 2 s, no acknowledged message is
//   lost, seqs stay gapless, sends retried with their cid never duplicate, and the
//   node restarts and rejoins;
// - SIGSTOP past the detection time, its conversations taken over, then SIGCONT:
//   the stale owner never writes beside the new one (fencing), no gap, no duplicate.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "tests/integration/cluster_harness.hpp"

namespace parley::test {
namespace {

using clock = std::chrono::steady_clock;

/// True once every thread of `pid` is stopped (state T in /proc). kill(SIGSTOP)
/// returns before the threads stop: one still running may take a request sent
/// right after it and commit it as the rightful owner, before any takeover.
bool wait_stopped(pid_t pid, std::chrono::milliseconds within = std::chrono::seconds{5}) {
  auto deadline = clock::now() + within;
  auto dir = "/proc/" + std::to_string(pid) + "/task";
  while (clock::now() < deadline) {
    bool all = true;
    for (const auto& task : std::filesystem::directory_iterator{dir}) {
      std::ifstream stat{task.path() / "stat"};
      std::string line;
      std::getline(stat, line);
      // pid (comm) STATE ...: comm may hold spaces, so read after the last ')'.
      auto close = line.rfind(')');
      if (close == std::string::npos || close + 2 >= line.size()) continue;
      auto state = line[close + 2];
      if (state != 'T' && state != 't') all = false;
    }
    if (all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds{5});
  }
  return false;
}

class cluster_failover : public ::testing::Test, public cluster_fixture {
protected:
  void SetUp() override {
    start(3);
    provision(0, {"alice", "bob"});
  }

  void TearDown() override {
    if (!HasFailure()) return;
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (nodes[i]) std::cerr << "--- " << names[i] << ":\n" << nodes[i]->stderr_text();
  }

  /// Conversations of alice and bob until `per_node` are owned by each node.
  std::vector<std::string> conversations(ws_client& creator, std::size_t per_node) {
    std::map<std::size_t, std::size_t> owned;
    std::vector<std::string> out;
    for (int tries = 0; tries < 200; ++tries) {
      protocol::map_builder f;
      f.str("kind", "private").str_list("participants", {"bob"});
      auto r = creator.request("conv.create", f);
      if (!r.ok()) throw std::runtime_error("conv.create: " + r.str("message"));
      auto id = r.sub("conv").str("id");
      auto o = owner(id, {0, 1, 2});
      if (owned[o] >= per_node) continue;
      ++owned[o];
      out.push_back(id);
      if (out.size() == 3 * per_node) break;
    }
    return out;
  }

  struct acked {
    std::uint64_t seq = 0;
  };

  /// Sends until acknowledged (an `unavailable` or a timeout is retried with the
  /// same cid); the seq, or 0 when `deadline` passed.
  static std::uint64_t send_until_ok(ws_client& c, const std::string& conv,
                                     const std::string& cid, clock::time_point deadline,
                                     int* retries = nullptr) {
    while (clock::now() < deadline) {
      protocol::map_builder f;
      f.str("conv", conv).str("cid", cid).str("body", "body of " + cid);
      try {
        auto r = c.request("msg.send", f, 5s);
        if (r.ok()) return r.uint("seq");
        if (r.code() != "unavailable")
          throw std::runtime_error("send " + cid + ": " + r.code() + " " +
                                   r.str("message"));
      } catch (const std::runtime_error& e) {
        if (std::string{e.what()}.find("timeout") == std::string::npos) throw;
      }
      if (retries) ++*retries;
      std::this_thread::sleep_for(50ms);
    }
    return 0;
  }

  /// Every conversation's stored messages: gapless from 1, one row per cid, and
  /// every acknowledged cid stored with its acknowledged seq.
  void expect_exact(const std::string& conv,
                    const std::map<std::string, std::uint64_t>& acks) {
    auto shape = db->query("SELECT count(*) || ' ' || coalesce(max(seq), 0) || ' ' ||"
                           " count(DISTINCT (author, cid)) FROM messages WHERE conv = '" +
                           conv + "'")[0];
    std::istringstream in{shape};
    std::uint64_t count = 0, max = 0, distinct = 0;
    in >> count >> max >> distinct;
    EXPECT_EQ(count, max) << conv << ": a gap in the seqs";
    EXPECT_EQ(distinct, count) << conv << ": a cid stored twice";
    std::map<std::string, std::uint64_t> stored;
    for (const auto& row : db->query(
             "SELECT cid || ' ' || seq FROM messages WHERE conv = '" + conv + "'")) {
      auto sp = row.find(' ');
      stored[row.substr(0, sp)] = std::stoull(row.substr(sp + 1));
    }
    for (const auto& [cid, seq] : acks) {
      auto i = stored.find(cid);
      ASSERT_NE(i, stored.end()) << conv << ": acknowledged " << cid << " is lost";
      EXPECT_EQ(i->second, seq) << conv << ": " << cid << " stored at another seq";
    }
  }
};

TEST_F(cluster_failover, kill_9_of_a_node_under_load_loses_nothing_and_it_rejoins) {
  auto alice = connect(0, "alice");
  auto bob = connect(1, "bob");
  auto convs = conversations(*alice, 2);
  ASSERT_EQ(convs.size(), 6u);
  std::map<std::string, std::map<std::string, std::uint64_t>> acks; // conv -> cid -> seq
  auto round = [&](int n, clock::time_point deadline,
                   std::map<std::string, int>* retried) {
    for (const auto& conv : convs) {
      for (auto* c : {alice.get(), bob.get()}) {
        auto cid = (c == alice.get() ? "a" : "b") + std::to_string(n);
        int r = 0;
        auto seq = send_until_ok(*c, conv, cid, deadline, &r);
        ASSERT_NE(seq, 0u) << "no ack for " << cid << " in " << conv;
        acks[conv][cid] = seq;
        if (retried) (*retried)[conv] += r;
      }
    }
  };
  for (int n = 0; n < 5; ++n)
    round(n, clock::now() + 10s, nullptr);
  // n3 dies; the senders on n1 and n2 go on. Each conversation must ack again
  // within 2 s of the death (detection of a killed process is the connection's
  // loss: immediate), its first send retried with its cid where needed.
  // Sends in flight at the moment of the kill: to every conversation, unanswered.
  std::map<std::string, std::uint64_t> in_flight; // conv -> rid
  for (const auto& conv : convs) {
    protocol::map_builder f;
    f.str("conv", conv).str("cid", "in-flight").str("body", "sent as the node dies");
    in_flight[conv] = bob->send_request("msg.send", f);
  }
  ASSERT_EQ(nodes[2]->stop(SIGKILL), 128 + SIGKILL);
  auto killed = clock::now();
  // Each is answered (committed, or `unavailable` at once if it was with the dead
  // node); an unavailable one is retried with its cid and lands exactly once.
  for (const auto& [conv, rid] : in_flight) {
    auto r = bob->wait_reply(rid, 10s);
    if (r.ok()) {
      acks[conv]["in-flight"] = r.uint("seq");
      continue;
    }
    ASSERT_EQ(r.code(), "unavailable") << r.str("message");
    auto seq = send_until_ok(*bob, conv, "in-flight", killed + 10s);
    ASSERT_NE(seq, 0u);
    acks[conv]["in-flight"] = seq;
  }
  std::map<std::string, double> first_ack_s;
  for (const auto& conv : convs) {
    int r = 0;
    auto seq = send_until_ok(*alice, conv, "a-after", killed + 10s, &r);
    ASSERT_NE(seq, 0u) << conv << " never acked again";
    acks[conv]["a-after"] = seq;
    first_ack_s[conv] = std::chrono::duration<double>(clock::now() - killed).count();
  }
  double slowest = 0;
  for (const auto& [conv, s] : first_ack_s)
    slowest = std::max(slowest, s);
  std::cout << "[ measured ] every conversation acked again within " << slowest * 1000
            << " ms of the kill\n";
  for (const auto& [conv, s] : first_ack_s)
    EXPECT_LT(s, 2.0) << conv << " (owned by " << names[owner(conv, {0, 1, 2})]
                      << ") acked again only after " << s << " s";
  for (int n = 5; n < 10; ++n)
    round(n, clock::now() + 10s, nullptr);
  // The node restarts and rejoins; its conversations come back to it.
  start_node(2);
  for (std::size_t i = 0; i < 3; ++i)
    ASSERT_TRUE(wait_live(i, 3)) << names[i] << " does not see the rejoined node";
  auto carol_on_3 = connect(2, "bob");
  for (const auto& conv : convs) {
    auto seq = send_until_ok(*carol_on_3, conv, "c-rejoined", clock::now() + 10s);
    ASSERT_NE(seq, 0u);
    acks[conv]["c-rejoined"] = seq;
  }
  for (int n = 10; n < 13; ++n)
    round(n, clock::now() + 10s, nullptr);
  for (const auto& conv : convs)
    expect_exact(conv, acks[conv]);
}

TEST_F(cluster_failover, a_stopped_owner_is_fenced_after_the_takeover) {
  auto alice = connect(0, "alice");
  auto stale_side = connect(2, "bob");
  auto convs = conversations(*alice, 1);
  ASSERT_EQ(convs.size(), 3u);
  std::string conv;
  for (const auto& c : convs)
    if (owner(c, {0, 1, 2}) == 2) conv = c;
  ASSERT_FALSE(conv.empty());
  std::map<std::string, std::uint64_t> acks;
  for (int n = 0; n < 3; ++n) {
    acks["a" + std::to_string(n)] =
        send_until_ok(*alice, conv, "a" + std::to_string(n), clock::now() + 10s);
    acks["b" + std::to_string(n)] =
        send_until_ok(*stale_side, conv, "b" + std::to_string(n), clock::now() + 10s);
  }
  // n3 owns the conversation; it stops. A send to it through n3 waits in its socket.
  ASSERT_EQ(kill(nodes[2]->pid(), SIGSTOP), 0);
  ASSERT_TRUE(wait_stopped(nodes[2]->pid()));
  protocol::map_builder f;
  f.str("conv", conv).str("cid", "b-stale").str("body", "sent to a stopped node");
  auto stale_rid = stale_side->send_request("msg.send", f);
  // The others detect the silence and take over; alice's sends ack again.
  ASSERT_TRUE(wait_live(0, 2, 10s));
  for (int n = 3; n < 8; ++n) {
    auto cid = "a" + std::to_string(n);
    acks[cid] = send_until_ok(*alice, conv, cid, clock::now() + 10s);
    ASSERT_NE(acks[cid], 0u);
  }
  // n3 resumes with its stale incarnation and the queued send: fencing refuses its
  // commit, and the retry with the same cid lands once, where the conversation is.
  ASSERT_EQ(kill(nodes[2]->pid(), SIGCONT), 0);
  // Its incarnation still believes it owns the conversation (its seqs are stale):
  // the commit must be refused, never stored beside the new owner's.
  auto first = stale_side->wait_reply(stale_rid, 20s);
  EXPECT_EQ(first.code(), "unavailable")
      << "the stopped owner committed after the takeover";
  acks["b-stale"] = send_until_ok(*stale_side, conv, "b-stale", clock::now() + 15s);
  ASSERT_NE(acks["b-stale"], 0u);
  for (std::size_t i = 0; i < 3; ++i)
    ASSERT_TRUE(wait_live(i, 3)) << names[i];
  for (int n = 8; n < 12; ++n) {
    auto a = "a" + std::to_string(n);
    auto b = "b" + std::to_string(n);
    acks[a] = send_until_ok(*alice, conv, a, clock::now() + 10s);
    acks[b] = send_until_ok(*stale_side, conv, b, clock::now() + 10s);
    ASSERT_NE(acks[a], 0u);
    ASSERT_NE(acks[b], 0u);
  }
  // A retry of an old cid is a dup, wherever it lands.
  EXPECT_EQ(send_until_ok(*stale_side, conv, "b-stale", clock::now() + 10s),
            acks["b-stale"]);
  expect_exact(conv, acks);
}

// A directory change stored while a node was cut off reaches it when it is back:
// the nodes reload the directory from PostgreSQL when a lost peer is live again.
TEST_F(cluster_failover, a_directory_change_missed_while_cut_off_arrives_when_back) {
  ASSERT_EQ(kill(nodes[2]->pid(), SIGSTOP), 0);
  ASSERT_TRUE(wait_live(0, 2, 10s));
  auto admin = connect(0, "provisioner", true);
  protocol::map_builder u;
  u.str("user", "frank").str("org", "acme").str("kind", "staff").str("name", "Frank");
  ASSERT_TRUE(admin->request("admin.user.put", u).ok());
  ASSERT_EQ(kill(nodes[2]->pid(), SIGCONT), 0);
  ASSERT_TRUE(wait_live(2, 3));
  bool known = false;
  for (auto deadline = clock::now() + 5s; !known && clock::now() < deadline;) {
    ws_client c{nodes[2]->port()};
    known = c.hello(token_for(secret, "frank")).ok();
    if (!known) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(known) << "n3 never learnt of a user stored while it was stopped";
}

} // namespace
} // namespace parley::test

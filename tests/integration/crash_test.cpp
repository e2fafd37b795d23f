// Durability through kill -9: every acknowledged message survives exactly once with
// its seq, seqs stay gapless, and re-sending unacknowledged cids never duplicates.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/integration/harness.hpp"

namespace parley::test {
namespace {

class crash : public ::testing::Test, public chat_fixture {
protected:
  void SetUp() override {
    start({"--rate-limit", "0"}); // writers send as fast as they can
    provision({"alice", "bob"});
  }
};

struct acked {
  std::string author;
  std::uint64_t seq;
};

TEST_F(crash, kill_9_loses_no_acknowledged_message_and_retries_never_duplicate) {
  constexpr int inflight = 32;
  constexpr std::size_t kill_after = 2000;
  std::string conv;
  {
    auto alice = connect_as("alice");
    conv = create_private(*alice, {"bob"});
  }
  std::mutex mu;
  std::map<std::string, acked> acks; // cid -> what the server promised
  std::set<std::string> sent;        // every cid sent
  std::atomic<std::size_t> ack_count{0};
  std::atomic<bool> killed{false};

  auto writer = [&](const std::string& user) {
    auto c = connect_as(user);
    std::map<std::uint64_t, std::string> pending; // rid -> cid
    for (int n = 0; !killed; ++n) {
      while (pending.size() < inflight) {
        auto cid = user + "-" + std::to_string(n++);
        protocol::map_builder f;
        f.str("conv", conv).str("cid", cid).str("body", "durable " + cid);
        pending.emplace(c->send_request("msg.send", f), cid);
        std::lock_guard lock{mu};
        sent.insert(cid);
      }
      auto r = c->read(5s);
      if (r.what != read_result::kind::frame) break; // the server is gone
      if (r.frame.op() != "reply") continue;
      auto it = pending.find(r.frame.uint("rid"));
      if (it == pending.end()) continue;
      if (r.frame.ok()) {
        std::lock_guard lock{mu};
        acks[it->second] = acked{user, r.frame.uint("seq")};
        ++ack_count;
      }
      pending.erase(it);
    }
  };
  std::thread a{writer, "alice"};
  std::thread b{writer, "bob"};
  while (ack_count < kill_after)
    std::this_thread::sleep_for(1ms);
  ASSERT_EQ(server->stop(SIGKILL), 128 + SIGKILL);
  killed = true;
  a.join();
  b.join();
  ASSERT_GE(acks.size(), kill_after);

  // Every acknowledged message is stored exactly once with the seq it was given.
  auto rows =
      db->query("SELECT cid || ' ' || seq FROM messages WHERE conv = '" + conv + "'");
  std::map<std::string, std::uint64_t> stored;
  for (const auto& row : rows) {
    auto space = row.rfind(' ');
    stored[row.substr(0, space)] = std::stoull(row.substr(space + 1));
  }
  EXPECT_EQ(stored.size(), rows.size()) << "a cid is stored twice";
  for (const auto& [cid, a] : acks) {
    auto it = stored.find(cid);
    ASSERT_NE(it, stored.end()) << "acknowledged " << cid << " is lost";
    EXPECT_EQ(it->second, a.seq) << cid;
  }
  // Gapless: seqs are exactly 1..n.
  auto count_max =
      db->query("SELECT count(*) || ' ' || coalesce(max(seq), 0) FROM messages "
                "WHERE conv = '" +
                conv + "'")[0];
  auto space = count_max.find(' ');
  EXPECT_EQ(count_max.substr(0, space), count_max.substr(space + 1));

  // Restart on the same database and re-send every cid that got no ack: stored
  // ones answer dup with their seq, the rest commit once.
  start(server_args);
  auto before = stored.size();
  std::size_t resent = 0;
  for (const auto& user : {std::string{"alice"}, std::string{"bob"}}) {
    auto c = connect_as(user);
    for (const auto& cid : sent) {
      if (cid.rfind(user + "-", 0) != 0 || acks.count(cid)) continue;
      protocol::map_builder f;
      f.str("conv", conv).str("cid", cid).str("body", "durable " + cid);
      auto r = c->request("msg.send", f);
      ASSERT_TRUE(r.ok()) << cid << ": " << r.str("message");
      if (stored.count(cid)) {
        EXPECT_TRUE(r.boolean("dup")) << cid;
        EXPECT_EQ(r.uint("seq"), stored[cid]) << cid;
      }
      ++resent;
    }
    // Acknowledged ones, re-sent, are duplicates too.
    for (const auto& [cid, a] : acks) {
      if (a.author != user) continue;
      protocol::map_builder f;
      f.str("conv", conv).str("cid", cid).str("body", "durable " + cid);
      auto r = c->request("msg.send", f);
      ASSERT_TRUE(r.ok());
      EXPECT_TRUE(r.boolean("dup")) << cid;
      EXPECT_EQ(r.uint("seq"), a.seq) << cid;
      break; // one per author is enough to show it
    }
  }
  auto total = std::stoul(
      db->query("SELECT count(*) FROM messages WHERE conv = '" + conv + "'")[0]);
  auto distinct = std::stoul(
      db->query("SELECT count(DISTINCT (author, cid)) FROM messages WHERE conv = '" +
                conv + "'")[0]);
  EXPECT_EQ(total, distinct);
  EXPECT_EQ(total, sent.size()) << "resent " << resent << ", stored before " << before;
  auto max_seq =
      db->query("SELECT max(seq) FROM messages WHERE conv = '" + conv + "'")[0];
  EXPECT_EQ(std::to_string(total), max_seq);
}

} // namespace
} // namespace parley::test

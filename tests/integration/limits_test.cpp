// Limits of PROTOCOL.md section 11 over real sockets: a flooding connection gets
// `rate_limited` without losing or duplicating anything, and a connection that stops
// reading is cut with 1008 while another subscriber of the same conversation keeps
// receiving every message in order.
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/harness.hpp"

namespace parley::test {
namespace {

class limits : public ::testing::Test, public chat_fixture {};

TEST_F(limits, a_flood_gets_rate_limited_and_loses_nothing) {
  start({"--rate-limit", "20", "--rate-burst", "30"});
  provision({"alice", "bob"});
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  // alice pipelines 120 sends at once: the burst passes, most of the rest is refused.
  std::vector<std::uint64_t> rids;
  for (int i = 0; i < 120; ++i) {
    protocol::map_builder f;
    f.str("conv", conv).str("cid", "f" + std::to_string(i)).str("body", "flood");
    rids.push_back(alice->send_request("msg.send", f));
  }
  std::vector<std::uint64_t> seqs;
  int limited = 0;
  for (auto rid : rids) {
    auto r = alice->wait_reply(rid);
    if (r.ok())
      seqs.push_back(r.uint("seq"));
    else if (r.code() == "rate_limited")
      ++limited;
    else
      ADD_FAILURE() << "unexpected " << r.code() << ": " << r.str("message");
  }
  EXPECT_GE(limited, 60);
  EXPECT_GE(seqs.size(), 29u); // the burst, less the token conv.create took
  // bob, on his own connection, is not limited by alice's flood.
  auto bob = connect_as("bob");
  for (int i = 0; i < 10; ++i) {
    protocol::map_builder f;
    f.str("conv", conv).str("cid", "b" + std::to_string(i)).str("body", "calm");
    auto r = bob->request("msg.send", f);
    ASSERT_TRUE(r.ok()) << r.str("message");
    seqs.push_back(r.uint("seq"));
  }
  // Every accepted send is stored once, seqs gapless from 1.
  protocol::map_builder h;
  h.str("conv", conv).uint("limit", 200);
  auto page = bob->request("msg.history", h).list("messages");
  ASSERT_EQ(page.size(), seqs.size());
  for (std::size_t i = 0; i < page.size(); ++i)
    EXPECT_EQ(page[i].uint("seq"), i + 1);
  // The budget refills: after a pause alice may send again.
  std::this_thread::sleep_for(1s);
  protocol::map_builder again;
  again.str("conv", conv).str("cid", "later").str("body", "after the pause");
  EXPECT_TRUE(alice->request("msg.send", again).ok());
}

TEST_F(limits, a_reader_that_stops_is_cut_and_the_others_keep_up) {
  start({"--rate-limit", "0", "--max-outbound-bytes", "1048576"});
  provision({"alice", "bob", "carol"});
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob", "carol"});
  protocol::map_builder o;
  o.str("conv", conv);
  auto bob = connect_as("bob");     // keeps reading
  auto carol = connect_as("carol"); // stops reading after conv.open
  ASSERT_TRUE(bob->request("conv.open", o).ok());
  ASSERT_TRUE(carol->request("conv.open", o).ok());
  // 19 MiB in all: enough to fill the kernel's socket buffers and then carol's
  // 1 MiB outbound queue. Sent in rounds of 8 so that bob (read by this one
  // thread) keeps up between rounds.
  const std::string body(32 * 1024, 'x');
  const int total = 600;
  const int round = 8;
  for (int start = 0; start < total; start += round) {
    std::vector<std::uint64_t> rids;
    for (int i = start; i < start + round; ++i) {
      protocol::map_builder f;
      f.str("conv", conv).str("cid", "m" + std::to_string(i)).str("body", body);
      rids.push_back(alice->send_request("msg.send", f));
    }
    for (auto rid : rids) {
      auto r = alice->wait_reply(rid);
      ASSERT_TRUE(r.ok()) << r.str("message");
    }
    for (int i = start; i < start + round; ++i) {
      auto p = bob->next_push(10s);
      ASSERT_TRUE(p) << "bob missed message " << i + 1;
      ASSERT_EQ(p->uint("seq"), static_cast<std::uint64_t>(i + 1));
    }
  }
  // carol now drains what the kernel held and then finds the close.
  std::uint64_t last_seen = 0;
  for (int i = 0; i < 2 * total + 10; ++i) { // messages and notifications
    auto r = carol->read(10s);
    if (r.what == read_result::kind::closed) {
      EXPECT_EQ(r.close_code, 1008);
      EXPECT_EQ(r.close_reason, "slow consumer");
      break;
    }
    ASSERT_EQ(r.what, read_result::kind::frame) << "no close for the slow reader";
    if (r.frame.op() != "message") continue; // notify pushes of the same messages
    auto seq = r.frame.uint("seq");
    EXPECT_EQ(seq, last_seen + 1) << "a slow reader still gets messages in order";
    last_seen = seq;
  }
  EXPECT_LT(last_seen, static_cast<std::uint64_t>(total));
  // A reconnect resyncs with conv.open {since}: a page of at most 768 KiB of
  // messages, then `more` says to continue with history.
  auto again = connect_as("carol");
  protocol::map_builder since;
  since.str("conv", conv).uint("since", last_seen);
  auto r = again->request("conv.open", since);
  ASSERT_TRUE(r.ok());
  auto backlog = r.list("messages");
  ASSERT_FALSE(backlog.empty());
  EXPECT_EQ(backlog.front().uint("seq"), last_seen + 1);
  EXPECT_TRUE(r.boolean("more"));
  EXPECT_LT(backlog.size(), 30u);
  // History pages are capped the same way; a backwards page keeps the newest.
  protocol::map_builder h;
  h.str("conv", conv).uint("limit", 200);
  auto page = again->request("msg.history", h);
  ASSERT_TRUE(page.ok());
  auto newest = page.list("messages");
  ASSERT_FALSE(newest.empty());
  EXPECT_LT(newest.size(), 30u);
  EXPECT_EQ(newest.back().uint("seq"), static_cast<std::uint64_t>(total));
  EXPECT_TRUE(page.boolean("more"));
}

} // namespace
} // namespace parley::test

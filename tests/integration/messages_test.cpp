// Message features beyond plain sends: reply-to previews (from memory and from the
// database), mentions, internal comments hidden from non-staff, and a retry older
// than the in-memory idempotency cache.
#include <gtest/gtest.h>

#include "tests/integration/harness.hpp"

namespace parley::test {
namespace {

class messages : public ::testing::Test, public chat_fixture {
protected:
  void SetUp() override {
    start({"--rate-limit", "0"}); // the tests pipeline hundreds of sends
    provision({"alice", "bob", "carol"});
    // A client user (of a client company of the org) to see what non-staff get.
    protocol::map_builder c;
    c.str("company", "co").str("org", "acme").str("name", "Client Co");
    admin("admin.company.put", c);
    protocol::map_builder u;
    u.str("user", "cli")
        .str("org", "acme")
        .str("kind", "client")
        .str("company", "co")
        .str("name", "Client");
    admin("admin.user.put", u);
  }

  frame_view send(ws_client& c, const std::string& conv, const std::string& cid,
                  const std::string& body,
                  std::function<void(protocol::map_builder&)> more = {}) {
    protocol::map_builder f;
    f.str("conv", conv).str("cid", cid).str("body", body);
    if (more) more(f);
    return c.request("msg.send", f);
  }
};

TEST_F(messages, reply_to_carries_author_and_a_cut_preview) {
  auto alice = connect_as("alice");
  auto bob = connect_as("bob");
  auto conv = create_private(*alice, {"bob"});
  protocol::map_builder o;
  o.str("conv", conv);
  ASSERT_TRUE(bob->request("conv.open", o).ok());
  std::string long_line(100, 'x');
  ASSERT_TRUE(send(*alice, conv, "q", long_line + "\nsecond line").ok());
  bob->next_push();
  auto r = send(*bob, conv, "a", "answer", [](auto& f) { f.uint("reply_to", 1); });
  ASSERT_TRUE(r.ok()) << r.str("message");
  auto push = bob->next_push();
  ASSERT_TRUE(push);
  auto ref = push->sub("reply_to");
  EXPECT_EQ(ref.uint("seq"), 1u);
  EXPECT_EQ(ref.str("author"), "alice");
  EXPECT_EQ(ref.str("preview"), std::string(79, 'x') + "\xE2\x80\xA6");
  // History carries the same reference.
  protocol::map_builder h;
  h.str("conv", conv);
  auto page = alice->request("msg.history", h).list("messages");
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[1].sub("reply_to").str("author"), "alice");
  EXPECT_EQ(page[1].sub("reply_to").str("preview"), ref.str("preview"));
}

TEST_F(messages, reply_to_an_old_message_is_read_from_the_database) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  ASSERT_TRUE(send(*alice, conv, "old", "the very first").ok());
  // Push the first message out of the conversation's recent-preview memory (256).
  std::vector<std::uint64_t> rids;
  for (int i = 0; i < 300; ++i) {
    protocol::map_builder f;
    f.str("conv", conv).str("cid", "fill" + std::to_string(i)).str("body", "f");
    rids.push_back(alice->send_request("msg.send", f));
  }
  for (auto rid : rids)
    ASSERT_TRUE(alice->wait_reply(rid).ok());
  auto bob = connect_as("bob");
  protocol::map_builder o;
  o.str("conv", conv);
  ASSERT_TRUE(bob->request("conv.open", o).ok());
  ASSERT_TRUE(send(*bob, conv, "re", "yes", [](auto& f) { f.uint("reply_to", 1); }).ok());
  auto push = bob->next_push();
  ASSERT_TRUE(push);
  EXPECT_EQ(push->sub("reply_to").str("preview"), "the very first");
}

TEST_F(messages, mentions_must_name_readers) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  auto bad =
      send(*alice, conv, "m1", "hi", [](auto& f) { f.str_list("mentions", {"carol"}); });
  EXPECT_EQ(bad.code(), "bad_request");
  auto bob = connect_as("bob");
  protocol::map_builder o;
  o.str("conv", conv);
  ASSERT_TRUE(bob->request("conv.open", o).ok());
  auto ok = send(*alice, conv, "m2", "hi @bob", [](auto& f) {
    f.str_list("mentions", {"bob", "bob"});
  });
  ASSERT_TRUE(ok.ok()) << ok.str("message");
  auto push = bob->next_push();
  ASSERT_TRUE(push);
  EXPECT_EQ(push->str_list("mentions"), std::vector<std::string>{"bob"});
}

TEST_F(messages, internal_comments_never_reach_non_staff) {
  auto alice = connect_as("alice");
  auto cli = connect_as("cli");
  auto conv = create_private(*alice, {"cli", "bob"});
  protocol::map_builder o;
  o.str("conv", conv);
  ASSERT_TRUE(cli->request("conv.open", o).ok());
  auto bob = connect_as("bob");
  ASSERT_TRUE(bob->request("conv.open", o).ok());
  auto note = send(*alice, conv, "n1", "staff only",
                   [](auto& f) { f.boolean("internal", true); });
  ASSERT_TRUE(note.ok()) << note.str("message");
  ASSERT_TRUE(send(*alice, conv, "p1", "for everyone").ok());
  // Staff get both, in order; the client gets only the public message.
  auto b1 = bob->next_push();
  auto b2 = bob->next_push();
  ASSERT_TRUE(b1 && b2);
  EXPECT_TRUE(b1->boolean("internal"));
  EXPECT_EQ(b2->str("body"), "for everyone");
  auto c1 = cli->next_push();
  ASSERT_TRUE(c1);
  EXPECT_EQ(c1->str("body"), "for everyone");
  EXPECT_FALSE(cli->next_push(300ms));
  // History and the conv.open backlog skip it for the client as well.
  protocol::map_builder h;
  h.str("conv", conv);
  auto page = cli->request("msg.history", h).list("messages");
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].str("body"), "for everyone");
  protocol::map_builder since;
  since.str("conv", conv).uint("since", 0);
  auto cli2 = connect_as("cli");
  EXPECT_EQ(cli2->request("conv.open", since).list("messages").size(), 1u);
  EXPECT_EQ(bob->request("msg.history", h).list("messages").size(), 2u);
  // A client may not write one, nor reply to one.
  EXPECT_EQ(
      send(*cli, conv, "n2", "x", [](auto& f) { f.boolean("internal", true); }).code(),
      "forbidden");
  EXPECT_EQ(send(*cli, conv, "r1", "x", [](auto& f) { f.uint("reply_to", 1); }).code(),
            "bad_request");
}

TEST_F(messages, a_retry_older_than_the_key_cache_still_answers_dup) {
  // More messages than the conversation remembers keys for (4096): the retry of
  // the first collides with the stored row and is answered with its seq, while
  // another conversation's send in the same moments commits normally.
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  auto other = create_private(*alice, {"carol"});
  ASSERT_TRUE(send(*alice, conv, "first", "one").ok());
  constexpr int fill = 4200;
  for (int start = 0; start < fill; start += 500) {
    std::vector<std::uint64_t> rids;
    for (int i = start; i < std::min(fill, start + 500); ++i) {
      protocol::map_builder f;
      f.str("conv", conv).str("cid", "k" + std::to_string(i)).str("body", "k");
      rids.push_back(alice->send_request("msg.send", f));
    }
    for (auto rid : rids)
      ASSERT_TRUE(alice->wait_reply(rid).ok());
  }
  protocol::map_builder retry;
  retry.str("conv", conv).str("cid", "first").str("body", "one");
  protocol::map_builder elsewhere;
  elsewhere.str("conv", other).str("cid", "x").str("body", "unaffected");
  auto r1 = alice->send_request("msg.send", retry);
  auto r2 = alice->send_request("msg.send", elsewhere);
  auto dup = alice->wait_reply(r1);
  ASSERT_TRUE(dup.ok()) << dup.str("message");
  EXPECT_TRUE(dup.boolean("dup"));
  EXPECT_EQ(dup.uint("seq"), 1u);
  EXPECT_TRUE(alice->wait_reply(r2).ok());
  EXPECT_EQ(db->query("SELECT count(*) FROM messages WHERE conv = '" + conv + "'")[0],
            std::to_string(fill + 1));
  // The conversation goes on without a gap.
  auto next = send(*alice, conv, "after", "two");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next.uint("seq"), static_cast<std::uint64_t>(fill + 2));
}

TEST_F(messages, around_answers_a_deep_link_with_both_sides) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"cli"});
  for (int i = 1; i <= 30; ++i)
    ASSERT_TRUE(send(*alice, conv, "a" + std::to_string(i), "m" + std::to_string(i),
                     [&](auto& f) { f.boolean("internal", i == 14); })
                    .ok());
  auto around = [&](ws_client& c, std::uint64_t seq, std::uint64_t limit) {
    protocol::map_builder f;
    f.str("conv", conv).uint("seq", seq).uint("limit", limit);
    return c.request("msg.around", f);
  };
  auto seqs = [](const frame_view& r) {
    std::vector<std::uint64_t> out;
    for (const auto& m : r.list("messages"))
      out.push_back(m.uint("seq"));
    return out;
  };
  EXPECT_EQ(seqs(around(*alice, 15, 3)),
            (std::vector<std::uint64_t>{12, 13, 14, 15, 16, 17, 18}));
  EXPECT_EQ(seqs(around(*alice, 2, 3)), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(seqs(around(*alice, 30, 2)), (std::vector<std::uint64_t>{28, 29, 30}));
  // The client does not see the internal comment, not even as a link target.
  auto cli = connect_as("cli");
  EXPECT_EQ(seqs(around(*cli, 15, 1)), (std::vector<std::uint64_t>{15, 16}));
  EXPECT_EQ(around(*cli, 14, 1).code(), "bad_request");
  EXPECT_EQ(around(*alice, 31, 1).code(), "bad_request");
  EXPECT_EQ(around(*alice, 5, 101).code(), "bad_request");
  // An outsider cannot tell the conversation exists.
  auto carol = connect_as("carol");
  EXPECT_EQ(around(*carol, 5, 1).code(), "not_found");
}

} // namespace
} // namespace parley::test

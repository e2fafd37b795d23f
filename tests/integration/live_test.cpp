// Live signals over real WebSockets (docs/protocol.md §7): notifications and read
// markers reach every device of a user, unread counts follow and survive reconnects
// and restarts, and neither reveals what the user may not see.
#include <gtest/gtest.h>

#include <csignal>

#include "tests/integration/harness.hpp"

namespace parley::test {
namespace {

class live : public ::testing::Test, public chat_fixture {
protected:
  void SetUp() override {
    start();
    provision({"alice", "bob"});
    protocol::map_builder c;
    c.str("company", "co").str("org", "acme").str("name", "Client Co");
    admin("admin.company.put", c);
    protocol::map_builder u;
    u.str("user", "cli").str("org", "acme").str("kind", "client").str("company", "co");
    u.str("name", "Client");
    admin("admin.user.put", u);
  }

  std::unique_ptr<ws_client> device(const std::string& user) {
    auto c = connect_as(user);
    c->keep_notify = true;
    return c;
  }

  static frame_view send(ws_client& c, const std::string& conv, const std::string& cid,
                         const std::string& body, bool internal = false) {
    protocol::map_builder f;
    f.str("conv", conv).str("cid", cid).str("body", body);
    if (internal) f.boolean("internal", true);
    return c.request("msg.send", f);
  }

  static frame_view read(ws_client& c, const std::string& conv, std::uint64_t seq) {
    protocol::map_builder f;
    f.str("conv", conv).uint("seq", seq);
    return c.request("read", f);
  }

  static std::uint64_t unread_in_list(ws_client& c, const std::string& conv) {
    auto r = c.request("conv.list");
    for (const auto& item : r.list("items"))
      if (item.str("id") == conv) return item.uint("unread");
    ADD_FAILURE() << conv << " is not listed";
    return 0;
  }
};

TEST_F(live, every_device_gets_notify_and_read) {
  auto alice = device("alice");
  auto conv = create_private(*alice, {"bob"});
  auto phone = device("bob");
  auto laptop = device("bob");
  protocol::map_builder o;
  o.str("conv", conv);
  ASSERT_TRUE(alice->request("conv.open", o).ok());
  for (int i = 1; i <= 3; ++i)
    ASSERT_TRUE(send(*alice, conv, "m" + std::to_string(i),
                     "line " + std::to_string(i) + "\nmore")
                    .ok());
  // Neither of bob's devices has the conversation open: both are notified.
  for (auto* d : {phone.get(), laptop.get()}) {
    for (std::uint64_t seq = 1; seq <= 3; ++seq) {
      auto n = d->next_push();
      ASSERT_TRUE(n);
      EXPECT_EQ(n->op(), "notify");
      EXPECT_EQ(n->str("conv"), conv);
      EXPECT_EQ(n->uint("seq"), seq);
      EXPECT_EQ(n->str("author"), "alice");
      // The first line, cut (the body has more): "…" marks it.
      EXPECT_EQ(n->str("preview"), "line " + std::to_string(seq) + "\xE2\x80\xA6");
      EXPECT_EQ(n->uint("unread"), seq);
    }
  }
  // The author is not notified of its own messages (only its message pushes).
  for (int i = 0; i < 3; ++i) {
    auto p = alice->next_push();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->op(), "message");
  }
  EXPECT_FALSE(alice->next_push(200ms));
  // Reading on the phone moves the marker for every device and tells alice.
  auto r = read(*phone, conv, 2);
  ASSERT_TRUE(r.ok()) << r.str("message");
  EXPECT_EQ(r.uint("seq"), 2u);
  EXPECT_EQ(r.uint("unread"), 1u);
  for (auto* d : {phone.get(), laptop.get()}) {
    auto p = d->next_push();
    ASSERT_TRUE(p);
    EXPECT_EQ(p->op(), "read");
    EXPECT_EQ(p->str("user"), "bob");
    EXPECT_EQ(p->uint("seq"), 2u);
    EXPECT_EQ(p->uint("unread"), 1u);
  }
  auto seen = alice->next_push();
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->op(), "read");
  EXPECT_EQ(seen->str("user"), "bob");
  EXPECT_EQ(seen->uint("seq"), 2u);
  EXPECT_FALSE(seen->has("unread"));
  // Forward only: an older marker changes nothing; beyond the last is refused.
  auto back = read(*laptop, conv, 1);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back.uint("seq"), 2u);
  EXPECT_EQ(read(*laptop, conv, 4).code(), "bad_request");
  EXPECT_FALSE(laptop->next_push(200ms));
}

// docs/protocol.md §7 (v1.1): a connection with the conversation open gets the
// `message` push and no `notify`; the user's other connections get `notify`, whose
// unread count still counts every message.
TEST_F(live, notify_skips_connections_that_have_the_conversation_open) {
  auto alice = device("alice");
  auto conv = create_private(*alice, {"bob"});
  auto phone = device("bob");  // has the conversation open
  auto laptop = device("bob"); // does not
  protocol::map_builder o;
  o.str("conv", conv);
  ASSERT_TRUE(phone->request("conv.open", o).ok());
  for (int i = 1; i <= 3; ++i)
    ASSERT_TRUE(send(*alice, conv, "m" + std::to_string(i), "hi").ok());
  for (std::uint64_t seq = 1; seq <= 3; ++seq) {
    auto m = phone->next_push();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->op(), "message");
    EXPECT_EQ(m->uint("seq"), seq);
    auto n = laptop->next_push();
    ASSERT_TRUE(n);
    EXPECT_EQ(n->op(), "notify");
    EXPECT_EQ(n->uint("seq"), seq);
    EXPECT_EQ(n->uint("unread"), seq);
  }
  EXPECT_FALSE(phone->next_push(300ms)) << "an open connection was notified too";
  // Closed again, the phone is notified like any other device.
  ASSERT_TRUE(phone->request("conv.close", o).ok());
  ASSERT_TRUE(send(*alice, conv, "m4", "hi").ok());
  for (auto* d : {phone.get(), laptop.get()}) {
    auto n = d->next_push();
    ASSERT_TRUE(n);
    EXPECT_EQ(n->op(), "notify");
    EXPECT_EQ(n->uint("unread"), 4u);
  }
}

TEST_F(live, unread_counts_survive_reconnects_and_restarts) {
  auto alice = device("alice");
  auto conv = create_private(*alice, {"bob"});
  for (int i = 1; i <= 4; ++i)
    ASSERT_TRUE(send(*alice, conv, "m" + std::to_string(i), "hello").ok());
  {
    auto bob = device("bob");
    EXPECT_EQ(unread_in_list(*bob, conv), 4u);
    ASSERT_TRUE(read(*bob, conv, 3).ok());
  }
  auto bob = device("bob");
  EXPECT_EQ(unread_in_list(*bob, conv), 1u);
  EXPECT_EQ(unread_in_list(*alice, conv), 0u); // its own messages are not unread
  bob.reset();
  alice.reset();
  restart(SIGTERM);
  bob = device("bob");
  EXPECT_EQ(unread_in_list(*bob, conv), 1u);
  alice = device("alice");
  ASSERT_TRUE(send(*alice, conv, "m5", "after the restart").ok());
  auto n = bob->next_push();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->op(), "notify");
  EXPECT_EQ(n->uint("unread"), 2u);
}

TEST_F(live, internal_comments_neither_notify_nor_count_for_clients) {
  auto alice = device("alice");
  auto conv = create_private(*alice, {"bob", "cli"});
  auto cli = device("cli");
  auto bob = device("bob");
  ASSERT_TRUE(send(*alice, conv, "i1", "staff only", true).ok());
  ASSERT_TRUE(send(*alice, conv, "p1", "for everyone").ok());
  auto n = cli->next_push();
  ASSERT_TRUE(n);
  EXPECT_EQ(n->uint("seq"), 2u);
  EXPECT_EQ(n->uint("unread"), 1u);
  EXPECT_FALSE(cli->next_push(200ms));
  EXPECT_EQ(unread_in_list(*cli, conv), 1u);
  // Staff count both.
  ASSERT_TRUE(bob->next_push());
  auto b2 = bob->next_push();
  ASSERT_TRUE(b2);
  EXPECT_EQ(b2->uint("unread"), 2u);
  EXPECT_EQ(unread_in_list(*bob, conv), 2u);
}

TEST_F(live, an_outsider_gets_no_notification_and_cannot_read) {
  auto alice = device("alice");
  auto conv = create_private(*alice, {"bob"});
  auto outsider = device("cli");
  ASSERT_TRUE(send(*alice, conv, "x", "private").ok());
  EXPECT_FALSE(outsider->next_push(300ms));
  EXPECT_EQ(read(*outsider, conv, 1).code(), "not_found");
}

TEST_F(live,
       typing_reaches_the_others_internal_typing_only_staff_and_a_disconnect_stops_it) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob", "cli"});
  auto bob = connect_as("bob");
  auto cli = connect_as("cli");
  protocol::map_builder o;
  o.str("conv", conv);
  ASSERT_TRUE(bob->request("conv.open", o).ok());
  ASSERT_TRUE(cli->request("conv.open", o).ok());
  auto typing = [&](ws_client& c, const std::string& state, bool internal) {
    protocol::map_builder f;
    f.str("op", "typing").str("conv", conv).str("state", state);
    if (internal) f.boolean("internal", true);
    c.send(f); // no rid: no reply
  };
  auto expect_typing = [&](ws_client& c, const std::string& state, bool internal) {
    auto p = c.next_push();
    ASSERT_TRUE(p) << "no typing " << state;
    EXPECT_EQ(p->op(), "typing");
    EXPECT_EQ(p->str("user"), "alice");
    EXPECT_EQ(p->str("kind"), "human");
    EXPECT_EQ(p->str("state"), state);
    EXPECT_EQ(p->has("internal") && p->boolean("internal"), internal);
  };
  typing(*alice, "start", false);
  expect_typing(*bob, "start", false);
  expect_typing(*cli, "start", false);
  // Switching to an internal comment ends the public typing for everyone; the
  // internal one only staff hear.
  typing(*alice, "start", true);
  expect_typing(*bob, "stop", false);
  expect_typing(*bob, "start", true);
  expect_typing(*cli, "stop", false);
  // The message ends the typing: stop, then the message.
  ASSERT_TRUE(send(*alice, conv, "n1", "staff only", true).ok());
  expect_typing(*bob, "stop", true);
  EXPECT_EQ(bob->next_push()->op(), "message");
  EXPECT_FALSE(cli->next_push(200ms));
  // A disconnect stops it.
  typing(*alice, "start", false);
  expect_typing(*bob, "start", false);
  expect_typing(*cli, "start", false);
  alice.reset();
  expect_typing(*bob, "stop", false);
  expect_typing(*cli, "stop", false);
  // With a rid it is answered; an outsider's typing reveals nothing.
  protocol::map_builder t;
  t.str("conv", conv).str("state", "stop");
  EXPECT_TRUE(bob->request("typing", t).ok());
  provision({"carol"});
  auto carol = connect_as("carol");
  EXPECT_EQ(carol->request("typing", t).code(), "not_found");
}

} // namespace
} // namespace parley::test

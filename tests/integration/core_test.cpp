// The core path over real WebSockets against a real PostgreSQL: auth,
// provisioning, create/send/history, live pushes, idempotency, gapless seqs under
// concurrency, and bad input that closes only the offender.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <thread>

#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include "tests/integration/harness.hpp"
#include "tests/integration/http_client.hpp"

namespace parley::test {
namespace {

class core : public ::testing::Test, public chat_fixture {
protected:
  void SetUp() override {
    start();
    provision({"alice", "bob", "carol"});
  }
};

protocol::map_builder send_args(const std::string& conv, const std::string& cid,
                                const std::string& body) {
  protocol::map_builder f;
  f.str("conv", conv).str("cid", cid).str("body", body);
  return f;
}

TEST_F(core, hello_answers_user_session_node_and_time) {
  ws_client c{server->port()};
  auto r = c.hello(token_for(secret, "alice"));
  ASSERT_TRUE(r.ok()) << r.str("message");
  EXPECT_EQ(r.sub("user").str("id"), "alice");
  EXPECT_EQ(r.sub("user").str("org"), "acme");
  EXPECT_FALSE(r.str("session").empty());
  EXPECT_EQ(r.str("node"), "parley");
  EXPECT_GT(r.sint("ts"), 0);
}

TEST_F(core, bad_tokens_get_unauthenticated_and_1008) {
  struct tcase {
    const char* name;
    std::string token;
  };
  std::vector<tcase> cases{
      {"wrong secret", token_for("other-secret", "alice")},
      {"expired", token_for(secret, "alice", false, -10)},
      {"garbage", "not.a.jwt"},
      {"unknown user", token_for(secret, "nobody")},
  };
  for (const auto& tc : cases) {
    ws_client c{server->port()};
    auto r = c.hello(tc.token);
    EXPECT_FALSE(r.ok()) << tc.name;
    EXPECT_EQ(r.code(), "unauthenticated") << tc.name;
    EXPECT_EQ(c.wait_close().close_code, 1008) << tc.name;
  }
}

TEST_F(core, any_op_before_hello_is_refused_with_1008) {
  ws_client c{server->port()};
  protocol::map_builder f;
  auto r = c.request("conv.list", f);
  EXPECT_EQ(r.code(), "unauthenticated");
  EXPECT_EQ(c.wait_close().close_code, 1008);
}

TEST_F(core, admin_ops_need_an_admin_token) {
  auto alice = connect_as("alice");
  protocol::map_builder f;
  f.str("org", "evil").str("name", "Evil");
  EXPECT_EQ(alice->request("admin.org.put", f).code(), "forbidden");
}

TEST_F(core, user_put_validates_its_fields) {
  auto admin = connect_as("ops", true);
  struct tcase {
    const char* name;
    std::function<void(protocol::map_builder&)> fill;
  };
  std::vector<tcase> cases{
      {"unknown kind",
       [](auto& f) {
         f.str("user", "x").str("org", "acme").str("kind", "alien").str("name", "X");
       }},
      {"client without company",
       [](auto& f) {
         f.str("user", "x").str("org", "acme").str("kind", "client").str("name", "X");
       }},
      {"unknown org",
       [](auto& f) {
         f.str("user", "x").str("org", "nope").str("kind", "staff").str("name", "X");
       }},
      {"bad role",
       [](auto& f) {
         f.str("user", "x")
             .str("org", "acme")
             .str("kind", "staff")
             .str("role", "king")
             .str("name", "X");
       }},
      {"missing name",
       [](auto& f) { f.str("user", "x").str("org", "acme").str("kind", "staff"); }},
      {"empty id",
       [](auto& f) {
         f.str("user", "").str("org", "acme").str("kind", "staff").str("name", "X");
       }},
  };
  for (const auto& tc : cases) {
    protocol::map_builder f;
    tc.fill(f);
    EXPECT_EQ(admin->request("admin.user.put", f).code(), "bad_request") << tc.name;
  }
}

TEST_F(core, pipelined_admin_ops_apply_in_order) {
  auto admin = connect_as("ops", true);
  protocol::map_builder org;
  org.str("org", "globex").str("name", "Globex");
  std::vector<std::uint64_t> rids{admin->send_request("admin.org.put", org)};
  for (int i = 0; i < 5; ++i) {
    protocol::map_builder u;
    u.str("user", "g" + std::to_string(i))
        .str("org", "globex")
        .str("kind", "staff")
        .str("name", "G");
    rids.push_back(admin->send_request("admin.user.put", u));
  }
  for (auto rid : rids) {
    auto r = admin->wait_reply(rid);
    EXPECT_TRUE(r.ok()) << r.str("message");
  }
  EXPECT_EQ(db->query("SELECT count(*) FROM users WHERE org = 'globex'")[0], "5");
}

TEST_F(core, create_send_and_read_history) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  for (int i = 1; i <= 5; ++i) {
    auto f = send_args(conv, "m" + std::to_string(i), "hello " + std::to_string(i));
    auto r = alice->request("msg.send", f);
    ASSERT_TRUE(r.ok()) << r.str("message");
    EXPECT_EQ(r.uint("seq"), static_cast<std::uint64_t>(i));
    EXPECT_FALSE(r.has("dup"));
  }
  protocol::map_builder h;
  h.str("conv", conv).uint("limit", 3);
  auto page = alice->request("msg.history", h);
  ASSERT_TRUE(page.ok());
  auto msgs = page.list("messages");
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].uint("seq"), 3u);
  EXPECT_EQ(msgs[2].uint("seq"), 5u);
  EXPECT_EQ(msgs[2].str("body"), "hello 5");
  EXPECT_EQ(msgs[2].str("author"), "alice");
  EXPECT_TRUE(page.boolean("more"));
  protocol::map_builder after;
  after.str("conv", conv).uint("after", 3);
  auto tail = alice->request("msg.history", after);
  ASSERT_EQ(tail.list("messages").size(), 2u);
  EXPECT_FALSE(tail.boolean("more"));
  // The other participant reads the same history.
  auto bob = connect_as("bob");
  protocol::map_builder all;
  all.str("conv", conv);
  EXPECT_EQ(bob->request("msg.history", all).list("messages").size(), 5u);
}

TEST_F(core, create_with_first_message_is_one_durable_step) {
  auto alice = connect_as("alice");
  protocol::map_builder first;
  first.str("body", "first words");
  protocol::map_builder f;
  f.str("kind", "private")
      .str_list("participants", {"bob"})
      .str("cid", "c-1")
      .map("first", first);
  auto r = alice->request("conv.create", f);
  ASSERT_TRUE(r.ok()) << r.str("message");
  auto conv = r.sub("conv");
  EXPECT_EQ(conv.uint("last_seq"), 1u);
  EXPECT_EQ(conv.str_list("participants"), (std::vector<std::string>{"alice", "bob"}));
  // A retried create with the same cid answers with the same conversation.
  auto again = alice->request("conv.create", f);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.sub("conv").str("id"), conv.str("id"));
  EXPECT_EQ(db->query("SELECT count(*) FROM conversations")[0], "1");
  EXPECT_EQ(db->query("SELECT body FROM messages")[0], "first words");
}

TEST_F(core, live_push_reaches_an_open_subscription_only_after_commit) {
  auto alice = connect_as("alice");
  auto bob = connect_as("bob");
  auto conv = create_private(*alice, {"bob"});
  protocol::map_builder o;
  o.str("conv", conv);
  auto opened = bob->request("conv.open", o);
  ASSERT_TRUE(opened.ok()) << opened.str("message");
  auto f = send_args(conv, "x1", "ping");
  auto ack = alice->request("msg.send", f);
  ASSERT_TRUE(ack.ok());
  auto push = bob->next_push();
  ASSERT_TRUE(push);
  EXPECT_EQ(push->op(), "message");
  EXPECT_EQ(push->str("conv"), conv);
  EXPECT_EQ(push->uint("seq"), ack.uint("seq"));
  EXPECT_EQ(push->str("body"), "ping");
  EXPECT_EQ(push->str("cid"), "x1");
  EXPECT_EQ(db->query("SELECT count(*) FROM messages WHERE conv = '" + conv + "'")[0],
            "1");
  // After conv.close nothing more arrives.
  ASSERT_TRUE(bob->request("conv.close", o).ok());
  auto f2 = send_args(conv, "x2", "pong");
  ASSERT_TRUE(alice->request("msg.send", f2).ok());
  EXPECT_FALSE(bob->next_push(300ms));
}

TEST_F(core, open_since_returns_exactly_what_was_missed) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  for (int i = 1; i <= 7; ++i) {
    auto f = send_args(conv, "m" + std::to_string(i), "b" + std::to_string(i));
    ASSERT_TRUE(alice->request("msg.send", f).ok());
  }
  auto bob = connect_as("bob");
  protocol::map_builder o;
  o.str("conv", conv).uint("since", 4);
  auto r = bob->request("conv.open", o);
  ASSERT_TRUE(r.ok());
  auto msgs = r.list("messages");
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].uint("seq"), 5u);
  EXPECT_EQ(msgs[2].uint("seq"), 7u);
  EXPECT_FALSE(r.boolean("more"));
  EXPECT_EQ(r.sub("conv").uint("last_seq"), 7u);
}

TEST_F(core, outsiders_see_not_found_on_every_path) {
  auto alice = connect_as("alice");
  auto carol = connect_as("carol");
  auto conv = create_private(*alice, {"bob"});
  protocol::map_builder c;
  c.str("conv", conv);
  EXPECT_EQ(carol->request("conv.get", c).code(), "not_found");
  EXPECT_EQ(carol->request("conv.open", c).code(), "not_found");
  EXPECT_EQ(carol->request("msg.history", c).code(), "not_found");
  auto s = send_args(conv, "sneak", "hi");
  EXPECT_EQ(carol->request("msg.send", s).code(), "not_found");
  // Indistinguishable from a conversation that does not exist.
  protocol::map_builder missing;
  missing.str("conv", "caaaaaaaaaaaaaaaaaaaaaaaaaa");
  EXPECT_EQ(carol->request("conv.get", missing).code(), "not_found");
  protocol::map_builder list;
  EXPECT_TRUE(carol->request("conv.list", list).list("items").empty());
  // Nothing was pushed to carol and nothing stored.
  EXPECT_FALSE(carol->next_push(200ms));
  EXPECT_EQ(db->query("SELECT count(*) FROM messages")[0], "0");
}

TEST_F(core, list_shows_own_conversations_newest_activity_first_with_a_cursor) {
  auto alice = connect_as("alice");
  std::vector<std::string> ids;
  // Activity times have millisecond resolution: keep them apart so the order is
  // defined.
  for (int i = 0; i < 3; ++i) {
    ids.push_back(create_private(*alice, {"bob"}));
    std::this_thread::sleep_for(5ms);
  }
  // Activity in the oldest moves it to the front.
  auto f = send_args(ids[0], "bump", "now");
  ASSERT_TRUE(alice->request("msg.send", f).ok());
  protocol::map_builder l;
  l.uint("limit", 2);
  auto page1 = alice->request("conv.list", l);
  ASSERT_TRUE(page1.ok());
  auto items = page1.list("items");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].str("id"), ids[0]);
  ASSERT_TRUE(page1.has("cursor"));
  protocol::map_builder l2;
  l2.uint("limit", 2).str("cursor", page1.str("cursor"));
  auto page2 = alice->request("conv.list", l2);
  ASSERT_EQ(page2.list("items").size(), 1u);
  EXPECT_FALSE(page2.has("cursor"));
}

// A participant added later starts with everything before it read: its marker at
// the conversation's newest seq, which for a private conversation that has been
// written to lives in conversation_activity, not in its conversations row
// (migration 015); its place in conv.list is that newest activity too.
TEST_F(core, a_participant_added_later_starts_at_the_newest_seq) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  for (int i = 1; i <= 4; ++i) {
    auto f = send_args(conv, "early" + std::to_string(i), "before carol");
    ASSERT_TRUE(alice->request("msg.send", f).ok());
  }
  protocol::map_builder g;
  g.str("conv", conv);
  auto newest = alice->request("conv.get", g).sub("conv").uint("last_seq");
  ASSERT_GE(newest, 4u);
  ASSERT_LT(std::stoull(db->query("SELECT last_seq FROM conversations WHERE id = '" +
                                  conv + "'")[0]),
            newest)
      << "the row keeps its creation values; the newest seq is elsewhere";
  auto carol = connect_as("carol");
  std::this_thread::sleep_for(5ms);
  auto carols_own = create_private(*carol, {"bob"}); // created after those messages
  protocol::map_builder add;
  add.str("conv", conv).str_list("users", {"carol"});
  ASSERT_TRUE(alice->request("conv.participants.add", add).ok());
  protocol::map_builder l;
  auto before = carol->request("conv.list", l).list("items");
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[1].str("id"), conv); // its newest activity is before carols_own
  EXPECT_EQ(before[1].uint("last_seq"), newest);
  EXPECT_EQ(before[1].uint("unread"), 0u);
  std::this_thread::sleep_for(5ms);
  auto f = send_args(conv, "late", "after carol");
  ASSERT_TRUE(alice->request("msg.send", f).ok());
  auto after = carol->request("conv.list", l).list("items");
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].str("id"), conv);
  EXPECT_EQ(after[0].uint("last_seq"), newest + 1);
  EXPECT_EQ(after[0].uint("unread"), 1u);
  EXPECT_EQ(after[1].str("id"), carols_own);
}

TEST_F(core, resending_a_cid_never_duplicates) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  auto f = send_args(conv, "same", "once");
  auto first = alice->request("msg.send", f);
  auto second = alice->request("msg.send", f);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.uint("seq"), first.uint("seq"));
  EXPECT_EQ(second.sint("ts"), first.sint("ts"));
  EXPECT_TRUE(second.boolean("dup"));
  // Pipelined duplicates (the second arrives while the first is in flight).
  auto g = send_args(conv, "piped", "twice");
  auto r1 = alice->send_request("msg.send", g);
  auto r2 = alice->send_request("msg.send", g);
  auto a1 = alice->wait_reply(r1);
  auto a2 = alice->wait_reply(r2);
  EXPECT_EQ(a1.uint("seq"), a2.uint("seq"));
  EXPECT_TRUE(a2.boolean("dup"));
  EXPECT_EQ(db->query("SELECT count(*) FROM messages")[0], "2");
  // The same cid from another author is another message.
  auto bob = connect_as("bob");
  auto b = send_args(conv, "same", "mine");
  auto rb = bob->request("msg.send", b);
  ASSERT_TRUE(rb.ok());
  EXPECT_FALSE(rb.has("dup"));
  EXPECT_EQ(rb.uint("seq"), 3u);
}

TEST_F(core, concurrent_writers_get_gapless_unique_seqs) {
  constexpr int writers = 4;
  constexpr int per_writer = 150;
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob", "carol"});
  std::vector<std::vector<std::uint64_t>> seqs(writers);
  std::vector<std::thread> threads;
  const char* users[] = {"alice", "bob", "carol", "alice"};
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      auto c = connect_as(users[w]);
      std::vector<std::uint64_t> rids;
      for (int i = 0; i < per_writer; ++i) {
        auto f = send_args(conv, "w" + std::to_string(w) + "-" + std::to_string(i), "x");
        rids.push_back(c->send_request("msg.send", f)); // pipelined: no wait
      }
      for (auto rid : rids) {
        auto r = c->wait_reply(rid);
        if (r.ok()) seqs[w].push_back(r.uint("seq"));
      }
    });
  }
  for (auto& t : threads)
    t.join();
  std::set<std::uint64_t> all;
  for (int w = 0; w < writers; ++w) {
    EXPECT_EQ(seqs[w].size(), static_cast<std::size_t>(per_writer));
    // One writer's pipelined sends keep their order.
    EXPECT_TRUE(std::is_sorted(seqs[w].begin(), seqs[w].end()));
    all.insert(seqs[w].begin(), seqs[w].end());
  }
  ASSERT_EQ(all.size(), static_cast<std::size_t>(writers * per_writer));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<std::uint64_t>(writers * per_writer));
  EXPECT_EQ(db->query("SELECT count(*) FROM messages")[0],
            std::to_string(writers * per_writer));
  EXPECT_EQ(db->query("SELECT max(seq) FROM messages")[0],
            std::to_string(writers * per_writer));
}

// A session sends a conversation's requests through the registry until a reply
// names the conversation's actor, then straight to it, but only once nothing sent
// through the registry is unanswered (actors/session/session.hpp, conversation_route).
// Waves of pipelined sends, each starting while the previous one is still in
// flight, cross those switches: every send keeps the order it was sent in.
TEST_F(core, pipelined_sends_keep_their_order_across_route_changes) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  std::vector<std::uint64_t> rids;
  std::map<std::uint64_t, std::uint64_t> early; // rid -> seq, read mid-way
  int n = 0;
  // 180 sends: within the default burst of one connection's rate limit.
  for (int wave = 0; wave < 6; ++wave) {
    for (int i = 0; i < 30; ++i) {
      auto f = send_args(conv, "o" + std::to_string(n++), "x");
      rids.push_back(alice->send_request("msg.send", f));
    }
    // Wait for part of the wave only: the next one starts with sends in flight.
    if (wave % 2 == 0) {
      auto rid = rids[rids.size() - 20];
      auto r = alice->wait_reply(rid);
      ASSERT_TRUE(r.ok()) << r.str("message");
      early[rid] = r.uint("seq");
    }
  }
  std::vector<std::uint64_t> seqs;
  for (auto rid : rids) {
    if (auto e = early.find(rid); e != early.end()) {
      seqs.push_back(e->second);
      continue;
    }
    auto r = alice->wait_reply(rid);
    ASSERT_TRUE(r.ok()) << r.str("message");
    seqs.push_back(r.uint("seq"));
  }
  for (std::size_t i = 0; i < seqs.size(); ++i)
    ASSERT_EQ(seqs[i], i + 1) << "send " << i << " overtook another";
  // Some of them did go straight to the conversation.
  auto m = http_call(server->port(), "GET", "/metrics", "").body;
  auto at = m.find("\nparley_direct_requests_total ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GT(std::stoull(m.substr(at + 30)), 0u);
}

// Issue 18: an unknown op was echoed whole (up to 1 MiB, invalid UTF-8 included),
// and a seq beyond what the database holds answered `unavailable`.
TEST_F(core, unknown_ops_are_quoted_short_and_huge_seqs_are_bad_requests) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  protocol::map_builder none;
  auto long_op = alice->request(std::string(4000, 'x'), none);
  EXPECT_EQ(long_op.code(), "bad_request");
  EXPECT_EQ(long_op.str("message"),
            "unknown op '" + std::string(64, 'x') + "\xE2\x80\xA6'");
  auto bad_op = alice->request("msg.\xff\xfe", none);
  EXPECT_EQ(bad_op.code(), "bad_request");
  EXPECT_EQ(bad_op.str("message"), "unknown op (not valid UTF-8 text)");
  const std::uint64_t huge = 1ull << 63;
  for (const char* key : {"before", "after"}) {
    protocol::map_builder h;
    h.str("conv", conv).uint(key, huge);
    auto r = alice->request("msg.history", h);
    EXPECT_EQ(r.code(), "bad_request") << key;
    EXPECT_EQ(r.str("message"), std::string{"'"} + key + "' must be a seq (0..2^63-1)");
  }
  protocol::map_builder rd;
  rd.str("conv", conv).uint("seq", ~0ull);
  EXPECT_EQ(alice->request("read", rd).code(), "bad_request");
  protocol::map_builder around;
  around.str("conv", conv).uint("seq", huge);
  EXPECT_EQ(alice->request("msg.around", around).code(), "bad_request");
  protocol::map_builder open;
  open.str("conv", conv).uint("since", huge);
  EXPECT_EQ(alice->request("conv.open", open).code(), "bad_request");
}

// Issue 18: a token with `exp` a century ahead was accepted. The server bounds how
// long a token may still be valid (--max-token-lifetime, 30 days by default).
TEST_F(core, a_token_valid_for_longer_than_the_maximum_is_refused) {
  ws_client c{server->port()};
  auto r = c.hello(token_for(secret, "alice", false, 100ll * 365 * 86400));
  EXPECT_EQ(r.code(), "unauthenticated");
  EXPECT_EQ(r.str("message"), "token lifetime exceeds the server's maximum");
  ws_client ok{server->port()};
  EXPECT_TRUE(ok.hello(token_for(secret, "alice", false, 29ll * 86400)).ok());
}

TEST_F(core, malformed_requests_get_bad_request_and_the_connection_lives) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  struct tcase {
    const char* name;
    std::string op;
    std::function<void(protocol::map_builder&)> fill;
    const char* code;
  };
  std::vector<tcase> cases{
      {"unknown op", "msg.explode", [](auto&) {}, "bad_request"},
      {"missing conv", "msg.send", [](auto& f) { f.str("cid", "a").str("body", "b"); },
       "bad_request"},
      {"missing cid", "msg.send", [&](auto& f) { f.str("conv", conv).str("body", "b"); },
       "bad_request"},
      {"cid too long", "msg.send",
       [&](auto& f) {
         f.str("conv", conv).str("cid", std::string(65, 'c')).str("body", "b");
       },
       "bad_request"},
      {"body wrong type", "msg.send",
       [&](auto& f) { f.str("conv", conv).str("cid", "a").uint("body", 5); },
       "bad_request"},
      {"body too large", "msg.send",
       [&](auto& f) {
         f.str("conv", conv).str("cid", "a").str("body", std::string(64 * 1024 + 1, 'x'));
       },
       "too_large"},
      {"bad format", "msg.send",
       [&](auto& f) {
         f.str("conv", conv).str("cid", "a").str("body", "b").str("format", "html");
       },
       "bad_request"},
      {"invalid utf8", "msg.send",
       [&](auto& f) { f.str("conv", conv).str("cid", "a").str("body", "\xff\xfe"); },
       "bad_request"},
      {"reply_to in the future", "msg.send",
       [&](auto& f) {
         f.str("conv", conv).str("cid", "a").str("body", "b").uint("reply_to", 99);
       },
       "bad_request"},
      {"history limit", "msg.history",
       [&](auto& f) { f.str("conv", conv).uint("limit", 500); }, "bad_request"},
      {"before and after", "msg.history",
       [&](auto& f) { f.str("conv", conv).uint("before", 5).uint("after", 1); },
       "bad_request"},
      {"unknown kind", "conv.create",
       [](auto& f) { f.str("kind", "party").str_list("participants", {}); },
       "bad_request"},
      {"unknown participant", "conv.create",
       [](auto& f) { f.str("kind", "private").str_list("participants", {"ghost"}); },
       "bad_request"},
      {"participants not a list", "conv.create",
       [](auto& f) { f.str("kind", "private").str("participants", "bob"); },
       "bad_request"},
  };
  for (const auto& tc : cases) {
    protocol::map_builder f;
    tc.fill(f);
    auto r = alice->request(tc.op, f);
    EXPECT_FALSE(r.ok()) << tc.name;
    EXPECT_EQ(r.code(), tc.code) << tc.name << ": " << r.str("message");
    EXPECT_FALSE(r.str("message").empty()) << tc.name;
  }
  // A nil optional is treated as absent.
  protocol::map_builder nil_format;
  nil_format.str("conv", conv).str("cid", "nil-ok").str("body", "b").nil("format");
  EXPECT_TRUE(alice->request("msg.send", nil_format).ok());
  // Missing rid: answered with rid nil, connection stays.
  protocol::map_builder no_rid;
  no_rid.str("op", "conv.list");
  alice->send(no_rid);
  auto r = alice->read();
  ASSERT_EQ(r.what, read_result::kind::frame);
  EXPECT_EQ(r.frame.code(), "bad_request");
  auto still = send_args(conv, "after-errors", "fine");
  EXPECT_TRUE(alice->request("msg.send", still).ok());
}

TEST_F(core, bad_frames_close_only_the_offender) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  auto bob = connect_as("bob");
  protocol::map_builder o;
  o.str("conv", conv);
  ASSERT_TRUE(bob->request("conv.open", o).ok());

  struct tcase {
    const char* name;
    std::function<void(ws_client&)> offend;
    std::uint16_t close;
  };
  std::vector<tcase> cases{
      {"text frame", [](ws_client& c) { c.send_text("{\"op\":\"hello\"}"); }, 1007},
      {"not msgpack", [](ws_client& c) { c.send_raw(std::string("\xc1\x00\x01", 3)); },
       1007},
      {"array not map", [](ws_client& c) { c.send_raw(std::string("\x92\x01\x02", 3)); },
       1007},
      {"truncated map", [](ws_client& c) { c.send_raw(std::string("\x82\xa2op", 4)); },
       1007},
      {"huge declared length",
       [](ws_client& c) { c.send_raw(std::string("\xdf\xff\xff\xff\xff", 5)); }, 1007},
      {"deep nesting",
       [](ws_client& c) {
         std::string deep = "\x81\xa1k";
         for (int i = 0; i < 100000; ++i)
           deep += '\x91';
         deep += '\x01';
         c.send_raw(deep);
       },
       1007},
      {"oversized frame",
       [](ws_client& c) { c.send_raw(std::string((1 << 20) + 16, 'x')); }, 1009},
  };
  int n = 0;
  for (const auto& tc : cases) {
    auto offender = connect_as("carol");
    tc.offend(*offender);
    EXPECT_EQ(offender->wait_close().close_code, tc.close) << tc.name;
    // The bystanders carry on: a send is acked and pushed as usual.
    auto f = send_args(conv, "after-" + std::to_string(n++), tc.name);
    auto ack = alice->request("msg.send", f);
    ASSERT_TRUE(ack.ok()) << tc.name;
    auto push = bob->next_push();
    ASSERT_TRUE(push) << tc.name;
    EXPECT_EQ(push->uint("seq"), ack.uint("seq")) << tc.name;
  }
}

// Issue 18: `Transfer-Encoding: chunked, identity` was accepted and the body read
// as a next request (request smuggling's raw material). Any coding but `chunked`
// alone is a 400, and the connection closes: the smuggled request is never read.
TEST_F(core, a_transfer_encoding_other_than_chunked_is_400_and_closes) {
  for (std::string te : {"chunked, identity", "gzip", "identity", "gzip, chunked",
                         "chunked\r\nTransfer-Encoding: identity"}) {
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket s{ioc};
    s.connect({boost::asio::ip::make_address("127.0.0.1"), server->port()});
    std::string req = "POST /v1/blobs?name=a.txt HTTP/1.1\r\nHost: x\r\n"
                      "Transfer-Encoding: " +
                      te +
                      "\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
                      "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    boost::asio::write(s, boost::asio::buffer(req));
    std::string answer;
    boost::system::error_code ec;
    boost::asio::read(s, boost::asio::dynamic_buffer(answer), ec); // until closed
    EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << te << ": " << answer;
    EXPECT_EQ(answer.find("HTTP/1.1", 1), std::string::npos)
        << te << ": a second response (the smuggled request was read)";
  }
}

TEST_F(core, health_and_metrics_over_http) {
  // A raw HTTP exchange on the same port.
  boost::asio::io_context ioc;
  auto fetch = [&](const std::string& path) {
    boost::beast::tcp_stream s{ioc};
    s.connect({boost::asio::ip::make_address("127.0.0.1"), server->port()});
    boost::beast::http::request<boost::beast::http::empty_body> req{
        boost::beast::http::verb::get, path, 11};
    req.set(boost::beast::http::field::host, "127.0.0.1");
    boost::beast::http::write(s, req);
    boost::beast::flat_buffer buf;
    boost::beast::http::response<boost::beast::http::string_body> res;
    boost::beast::http::read(s, buf, res);
    return res;
  };
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  auto f = send_args(conv, "m", "counted");
  ASSERT_TRUE(alice->request("msg.send", f).ok());
  std::this_thread::sleep_for(1200ms); // one health probe period
  auto health = fetch("/healthz");
  EXPECT_EQ(health.result_int(), 200);
  EXPECT_EQ(health.body(), "ok\n");
  auto m = fetch("/metrics").body();
  EXPECT_NE(m.find("parley_messages_committed_total 1"), std::string::npos) << m;
  EXPECT_NE(m.find("parley_connections 1"), std::string::npos);
  EXPECT_NE(m.find("parley_commit_batch_size_bucket"), std::string::npos);
  EXPECT_NE(m.find("parley_commit_latency_ms_count"), std::string::npos);
  EXPECT_NE(m.find("parley_errors_total{code=\"not_found\"}"), std::string::npos);
  EXPECT_EQ(fetch("/nothing").result_int(), 404);
}

/// The value of an unlabelled gauge in a Prometheus text page, or -1.
double gauge_value(const std::string& page, const std::string& name) {
  auto at = page.find("\n" + name + " ");
  if (at == std::string::npos) return -1;
  return std::stod(page.substr(at + name.size() + 2));
}

// The allocator's view beside RSS (bench/run-soak tells a leak from freed memory
// the allocator keeps with it).
TEST_F(core, metrics_report_what_the_allocator_holds) {
  auto alice = connect_as("alice");
  auto page = http_call(server->port(), "GET", "/metrics", "").body;
  auto allocated = gauge_value(page, "parley_heap_allocated_bytes");
  auto heap = gauge_value(page, "parley_heap_bytes");
  ASSERT_GE(allocated, 0) << page;
  ASSERT_GE(heap, 0) << page;
  EXPECT_LE(allocated, heap);
#if !defined(__SANITIZE_ADDRESS__)
  // A sanitized parleyd allocates through the sanitizer, which glibc's counts miss.
  EXPECT_GT(allocated, 0);
#endif
}

TEST_F(core, sigterm_drains_closes_with_1001_and_exits_zero) {
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  auto f = send_args(conv, "before-stop", "x");
  ASSERT_TRUE(alice->request("msg.send", f).ok());
  // Read concurrently, as a live client would, so the close handshake completes.
  read_result closed;
  std::thread reader{[&] { closed = alice->wait_close(10s); }};
  EXPECT_EQ(server->stop(SIGTERM), 0);
  reader.join();
  EXPECT_EQ(closed.close_code, 1001);
  EXPECT_EQ(db->query("SELECT count(*) FROM messages")[0], "1");
}

TEST_F(core, a_connection_closes_when_its_token_expires_unless_refreshed) {
  // Two connections on tokens that expire in 2 s; one refreshes in time.
  ws_client stale{server->port()};
  ASSERT_TRUE(stale.hello(token_for(secret, "alice", false, 2)).ok());
  ws_client fresh{server->port()};
  ASSERT_TRUE(fresh.hello(token_for(secret, "alice", false, 2)).ok());

  // A refresh must carry a valid token of the same subject; a refused one changes
  // nothing and does not close the connection.
  protocol::map_builder other;
  other.str("token", token_for(secret, "bob", false, 600));
  EXPECT_EQ(fresh.request("auth.refresh", other).code(), "forbidden");
  protocol::map_builder forged;
  forged.str("token", token_for("not-the-secret", "alice", false, 600));
  EXPECT_EQ(fresh.request("auth.refresh", forged).code(), "unauthenticated");
  protocol::map_builder none;
  EXPECT_EQ(fresh.request("auth.refresh", none).code(), "bad_request");
  protocol::map_builder renewed;
  renewed.str("token", token_for(secret, "alice", false, 600));
  auto r = fresh.request("auth.refresh", renewed);
  ASSERT_TRUE(r.ok()) << r.str("message");
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  EXPECT_GT(r.sint("exp"), now_s + 500);

  auto closed = stale.wait_close(6s);
  EXPECT_EQ(closed.what, read_result::kind::closed);
  EXPECT_EQ(closed.close_code, 1008);
  EXPECT_EQ(closed.close_reason, "token expired");
  EXPECT_TRUE(fresh.request("conv.list").ok()) << "the refreshed connection was closed";
}

TEST_F(core, a_service_connection_closes_when_its_token_expires) {
  // A service token (admin, no user) is timed by the session itself, on the
  // node's timer board rather than the presence actor's expiry board.
  ws_client service{server->port()};
  ASSERT_TRUE(service.hello(token_for(secret, "backend", true, 2)).ok());
  auto closed = service.wait_close(6s);
  EXPECT_EQ(closed.what, read_result::kind::closed);
  EXPECT_EQ(closed.close_code, 1008);
  EXPECT_EQ(closed.close_reason, "token expired");
}

} // namespace
} // namespace parley::test

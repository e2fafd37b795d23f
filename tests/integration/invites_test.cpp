// Cross-organisation direct messages over real WebSockets against a real
// PostgreSQL (docs/protocol.md §8): the invitation lifecycle, who may invite and
// accept, block silence, ending a conversation from either side, and that the
// direct conversation two orgs share stays invisible to everyone else on every path.
#include <gtest/gtest.h>

#include <algorithm>
#include <csignal>
#include <set>

#include "tests/integration/harness.hpp"

namespace parley::test {
namespace {

class invites : public ::testing::Test, public chat_fixture {
protected:
  void SetUp() override {
    start();
    provision({});
    for (auto [org, name] : {std::pair{"globex", "Globex"}, {"initech", "Initech"}}) {
      protocol::map_builder o;
      o.str("org", org).str("name", name);
      admin("admin.org.put", o);
    }
    protocol::map_builder c;
    c.str("company", "co").str("org", "acme").str("name", "Client Co");
    admin("admin.company.put", c);
    // Emails are given in mixed case: matching and block lists ignore case.
    put_staff("alice", "acme", "member", "Alice@Acme.test");
    put_staff("aadmin", "acme", "admin", "aadmin@acme.test");
    put_staff("aguest", "acme", "guest", "aguest@acme.test");
    put_staff("carol", "acme", "member", "carol@acme.test");
    put_staff("bob", "globex", "member", "Bob@Globex.test");
    put_staff("bguest", "globex", "guest", "bguest@globex.test");
    put_staff("bmate", "globex", "member", "bmate@globex.test");
    put_staff("ivan", "initech", "member", "ivan@initech.test");
    protocol::map_builder cli;
    cli.str("user", "acli").str("org", "acme").str("kind", "client").str("company", "co");
    cli.str("name", "acli").str("email", "acli@acme.test");
    admin("admin.user.put", cli);
  }

  void put_staff(const std::string& id, const std::string& org, const std::string& role,
                 const std::string& email) {
    protocol::map_builder u;
    u.str("user", id).str("org", org).str("kind", "staff").str("role", role);
    u.str("name", id).str("email", email);
    admin("admin.user.put", u);
  }

  void set_policy(const std::string& policy) {
    protocol::map_builder s;
    s.str("connect_policy", policy);
    protocol::map_builder o;
    o.str("org", "acme").str("name", "Acme").map("settings", s);
    admin("admin.org.put", o);
  }

  static frame_view invite(ws_client& c, const std::string& email,
                           const std::string& note = "") {
    protocol::map_builder f;
    f.str("email", email);
    if (!note.empty()) f.str("note", note);
    return c.request("invite.send", f);
  }

  /// Sends an invitation that must look like a success; returns its id.
  static std::string invite_ok(ws_client& c, const std::string& email) {
    auto r = invite(c, email);
    EXPECT_TRUE(r.ok()) << r.str("message");
    return r.ok() ? r.sub("invitation").str("id") : "";
  }

  static frame_view on_invitation(ws_client& c, const std::string& op,
                                  const std::string& id, bool block = false) {
    protocol::map_builder f;
    f.str("invitation", id);
    if (block) f.boolean("block", true);
    return c.request(op, f);
  }

  static std::vector<frame_view> listed(ws_client& c, const std::string& direction) {
    protocol::map_builder f;
    f.str("direction", direction);
    auto r = c.request("invite.list", f);
    EXPECT_TRUE(r.ok()) << r.str("message");
    return r.list("items");
  }

  static std::set<std::string> ids(const std::vector<frame_view>& items) {
    std::set<std::string> out;
    for (const auto& i : items)
      out.insert(i.str("id"));
    return out;
  }

  static protocol::map_builder conv_args(const std::string& conv) {
    protocol::map_builder f;
    f.str("conv", conv);
    return f;
  }

  static frame_view send(ws_client& c, const std::string& conv, const std::string& cid,
                         const std::string& body) {
    protocol::map_builder f;
    f.str("conv", conv).str("cid", cid).str("body", body);
    return c.request("msg.send", f);
  }

  static std::set<std::string> conv_list(ws_client& c) {
    protocol::map_builder f;
    f.uint("limit", 200);
    auto r = c.request("conv.list", f);
    std::set<std::string> out;
    for (const auto& item : r.list("items"))
      out.insert(item.str("id"));
    return out;
  }

  /// alice invites bob and bob accepts: their direct conversation.
  std::string connect_alice_and_bob(ws_client& alice, ws_client& bob) {
    auto id = invite_ok(alice, "bob@globex.test");
    auto r = on_invitation(bob, "invite.accept", id);
    if (!r.ok()) throw std::runtime_error("invite.accept: " + r.str("message"));
    return r.sub("conv").str("id");
  }
};

/// The next push on `c` that is not a notification (those follow every message).
std::optional<frame_view> next_event(ws_client& c, std::chrono::milliseconds wait = 5s) {
  while (auto p = c.next_push(wait))
    if (p->op() != "notify") return p;
  return std::nullopt;
}

TEST_F(invites, lifecycle_send_push_list_accept_talk) {
  auto alice = connect_as("alice");
  auto bob = connect_as("bob");
  auto sent = invite(*alice, "BOB@globex.TEST", "Shall we talk?");
  ASSERT_TRUE(sent.ok()) << sent.str("message");
  auto inv = sent.sub("invitation");
  auto id = inv.str("id");
  EXPECT_EQ(inv.str("to_email"), "bob@globex.test");
  EXPECT_GT(inv.sint("ts"), 0);

  // Pushed live to the invitee.
  auto push = next_event(*bob);
  ASSERT_TRUE(push) << "no invitation push";
  EXPECT_EQ(push->op(), "invitation");
  auto pushed = push->sub("invitation");
  EXPECT_EQ(pushed.str("id"), id);
  EXPECT_EQ(pushed.str("from"), "alice");
  EXPECT_EQ(pushed.str("from_org"), "acme");
  EXPECT_EQ(pushed.str("note"), "Shall we talk?");
  EXPECT_EQ(pushed.sint("ts"), inv.sint("ts"));

  // Listed after a reconnect, on both sides.
  bob.reset();
  bob = connect_as("bob");
  auto received = listed(*bob, "received");
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].str("id"), id);
  EXPECT_EQ(received[0].str("from"), "alice");
  EXPECT_EQ(received[0].str("from_email"), "alice@acme.test");
  auto mine = listed(*alice, "sent");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].str("status"), "pending");
  EXPECT_TRUE(listed(*alice, "received").empty());

  // Accepting creates the direct conversation of exactly the two, across orgs.
  auto accepted = on_invitation(*bob, "invite.accept", id);
  ASSERT_TRUE(accepted.ok()) << accepted.str("message");
  auto conv = accepted.sub("conv");
  auto cid = conv.str("id");
  EXPECT_EQ(conv.str("kind"), "direct");
  EXPECT_EQ(conv.str("org"), "acme");
  EXPECT_EQ(conv.str("peer_org"), "globex");
  EXPECT_EQ(conv.str_list("participants"), (std::vector<std::string>{"alice", "bob"}));
  EXPECT_FALSE(conv.has("ended"));
  auto told = next_event(*alice);
  ASSERT_TRUE(told);
  EXPECT_EQ(told->op(), "invitation_accepted");
  EXPECT_EQ(told->str("conv"), cid);

  // At most once: accepting again answers the same conversation, creates nothing.
  auto again = on_invitation(*bob, "invite.accept", id);
  ASSERT_TRUE(again.ok()) << again.str("message");
  EXPECT_EQ(again.sub("conv").str("id"), cid);
  EXPECT_EQ(db->query("SELECT count(*) FROM conversations")[0], "1");
  EXPECT_TRUE(listed(*bob, "received").empty());
  mine = listed(*alice, "sent");
  EXPECT_EQ(mine[0].str("status"), "accepted");
  EXPECT_EQ(mine[0].str("conv"), cid);

  // Both read and write, on every path.
  auto args = conv_args(cid);
  ASSERT_TRUE(alice->request("conv.open", args).ok());
  auto b1 = send(*bob, cid, "b1", "hello from globex");
  ASSERT_TRUE(b1.ok()) << b1.str("message");
  auto m = next_event(*alice);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->op(), "message");
  EXPECT_EQ(m->str("body"), "hello from globex");
  ASSERT_TRUE(send(*alice, cid, "a1", "hello from acme").ok());
  for (auto* c : {alice.get(), bob.get()}) {
    auto h = c->request("msg.history", args);
    ASSERT_TRUE(h.ok()) << h.str("message");
    EXPECT_EQ(h.list("messages").size(), 2u);
    EXPECT_TRUE(c->request("conv.get", args).ok());
    EXPECT_EQ(conv_list(*c).count(cid), 1u);
    protocol::map_builder around;
    around.str("conv", cid).uint("seq", 1);
    EXPECT_TRUE(c->request("msg.around", around).ok());
  }
  protocol::map_builder rd;
  rd.str("conv", cid).uint("seq", 2);
  auto marker = bob->request("read", rd);
  ASSERT_TRUE(marker.ok()) << marker.str("message");
  EXPECT_EQ(marker.uint("unread"), 0u);
  // Bob's org mate and alice's are outsiders.
  auto mate = connect_as("bmate");
  EXPECT_EQ(mate->request("conv.get", args).code(), "not_found");
  // Internal comments belong to one org: none in a conversation of two.
  protocol::map_builder internal;
  internal.str("conv", cid).str("cid", "i1").str("body", "x").boolean("internal", true);
  EXPECT_EQ(alice->request("msg.send", internal).code(), "forbidden");
  // Only an invitation makes a cross-org conversation.
  protocol::map_builder direct;
  direct.str("kind", "direct").str_list("participants", {"bob"});
  EXPECT_EQ(alice->request("conv.create", direct).code(), "bad_request");
}

TEST_F(invites, two_devices_accepting_at_once_get_one_conversation) {
  auto alice = connect_as("alice");
  auto phone = connect_as("bob");
  auto laptop = connect_as("bob");
  auto id = invite_ok(*alice, "bob@globex.test");
  protocol::map_builder a;
  a.str("invitation", id);
  protocol::map_builder b;
  b.str("invitation", id);
  auto r1 = phone->send_request("invite.accept", a);
  auto r2 = laptop->send_request("invite.accept", b);
  auto first = phone->wait_reply(r1);
  auto second = laptop->wait_reply(r2);
  ASSERT_TRUE(first.ok()) << first.str("message");
  ASSERT_TRUE(second.ok()) << second.str("message");
  EXPECT_EQ(first.sub("conv").str("id"), second.sub("conv").str("id"));
  EXPECT_EQ(db->query("SELECT count(*) FROM conversations")[0], "1");
  EXPECT_EQ(db->query("SELECT count(*) FROM participants")[0], "2");
}

TEST_F(invites, revoke_and_ignore) {
  auto alice = connect_as("alice");
  auto bob = connect_as("bob");
  auto id = invite_ok(*alice, "bob@globex.test");
  ASSERT_TRUE(next_event(*bob));
  // Only the inviter revokes.
  EXPECT_EQ(on_invitation(*bob, "invite.revoke", id).code(), "not_found");
  auto revoked = on_invitation(*alice, "invite.revoke", id);
  ASSERT_TRUE(revoked.ok()) << revoked.str("message");
  EXPECT_EQ(revoked.sub("invitation").str("status"), "revoked");
  auto gone = next_event(*bob);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->op(), "invitation_revoked");
  EXPECT_EQ(gone->str("invitation"), id);
  EXPECT_TRUE(on_invitation(*alice, "invite.revoke", id).ok()) << "revoking twice is ok";
  // A revoked invitation is never accepted.
  EXPECT_EQ(on_invitation(*bob, "invite.accept", id).code(), "not_found");
  EXPECT_EQ(on_invitation(*bob, "invite.ignore", id).code(), "not_found");
  EXPECT_TRUE(listed(*bob, "received").empty());
  EXPECT_EQ(db->query("SELECT count(*) FROM conversations")[0], "0");

  // An accepted invitation is not revoked (the conversation is ended instead).
  auto cid = connect_alice_and_bob(*alice, *bob);
  auto accepted_id = listed(*alice, "sent")[0].str("id");
  EXPECT_EQ(on_invitation(*alice, "invite.revoke", accepted_id).code(), "conflict");
  EXPECT_EQ(on_invitation(*bob, "invite.ignore", accepted_id).code(), "conflict");
  EXPECT_TRUE(
      bob->request("conv.get", *std::make_unique<protocol::map_builder>(conv_args(cid)))
          .ok());

  // Ignoring hides it from the invitee; the inviter still sees it pending.
  auto ignored = invite_ok(*alice, "bob@globex.test");
  ASSERT_TRUE(on_invitation(*bob, "invite.ignore", ignored).ok());
  EXPECT_EQ(ids(listed(*bob, "received")).count(ignored), 0u);
  EXPECT_EQ(on_invitation(*bob, "invite.accept", ignored).code(), "not_found");
  for (const auto& s : listed(*alice, "sent"))
    if (s.str("id") == ignored) {
      EXPECT_EQ(s.str("status"), "pending");
    }
  // Someone else's invitation is nobody else's to answer.
  auto mate = connect_as("bmate");
  auto fresh = invite_ok(*alice, "bob@globex.test");
  EXPECT_EQ(on_invitation(*mate, "invite.accept", fresh).code(), "not_found");
  EXPECT_EQ(on_invitation(*mate, "invite.ignore", fresh).code(), "not_found");
  EXPECT_EQ(on_invitation(*mate, "invite.accept", "not-an-invitation").code(),
            "not_found");
}

TEST_F(invites, connect_policy_and_roles_decide_who_invites) {
  auto alice = connect_as("alice");
  auto aadmin = connect_as("aadmin");
  set_policy("none");
  EXPECT_EQ(invite(*alice, "bob@globex.test").code(), "forbidden");
  EXPECT_EQ(invite(*aadmin, "bob@globex.test").code(), "forbidden");
  set_policy("admins");
  EXPECT_EQ(invite(*alice, "bob@globex.test").code(), "forbidden");
  EXPECT_TRUE(invite(*aadmin, "bob@globex.test").ok());
  set_policy("all");
  EXPECT_TRUE(invite(*alice, "bob@globex.test").ok());
  // Guests and clients never invite, whatever the policy.
  auto aguest = connect_as("aguest");
  EXPECT_EQ(invite(*aguest, "bob@globex.test").code(), "forbidden");
  auto acli = connect_as("acli");
  EXPECT_EQ(invite(*acli, "bob@globex.test").code(), "forbidden");
  // A malformed email is a bad request; a service token is no inviter.
  EXPECT_EQ(invite(*alice, "not an email").code(), "bad_request");
  EXPECT_EQ(alice->request("invite.send").code(), "bad_request");
  auto ops = connect_as("ops", true);
  EXPECT_EQ(invite(*ops, "bob@globex.test").code(), "forbidden");
  protocol::map_builder bad;
  bad.str("direction", "sideways");
  EXPECT_EQ(alice->request("invite.list", bad).code(), "bad_request");
}

TEST_F(invites, guests_may_neither_send_nor_accept) {
  auto alice = connect_as("alice");
  auto bguest = connect_as("bguest");
  auto id = invite_ok(*alice, "bguest@globex.test");
  auto push = next_event(*bguest);
  ASSERT_TRUE(push);
  EXPECT_EQ(push->op(), "invitation");
  EXPECT_EQ(on_invitation(*bguest, "invite.accept", id).code(), "forbidden");
  EXPECT_EQ(invite(*bguest, "alice@acme.test").code(), "forbidden");
  // Promoted to member, the same invitation can be accepted.
  put_staff("bguest", "globex", "member", "bguest@globex.test");
  EXPECT_TRUE(on_invitation(*bguest, "invite.accept", id).ok());
}

TEST_F(invites, unknown_and_same_org_emails_answer_like_a_success) {
  auto alice = connect_as("alice");
  auto carol = connect_as("carol");
  carol->keep_notify = true;
  auto bob = connect_as("bob");
  auto delivered = invite(*alice, "bob@globex.test");
  auto unknown = invite(*alice, "nobody@nowhere.test");
  auto same_org = invite(*alice, "carol@acme.test");
  auto self = invite(*alice, "alice@acme.test");
  for (const auto* r : {&delivered, &unknown, &same_org, &self}) {
    ASSERT_TRUE(r->ok()) << r->str("message");
    auto inv = r->sub("invitation");
    // The same shape every time: nothing tells who exists.
    EXPECT_TRUE(inv.has("id") && inv.has("to_email") && inv.has("ts"));
  }
  EXPECT_TRUE(next_event(*bob));
  EXPECT_FALSE(carol->next_push(300ms)) << "a same-org invitation is never delivered";
  EXPECT_TRUE(listed(*carol, "received").empty());
  auto sent = listed(*alice, "sent");
  ASSERT_EQ(sent.size(), 4u);
  for (const auto& s : sent)
    EXPECT_EQ(s.str("status"), "pending");
  EXPECT_EQ(
      on_invitation(*carol, "invite.accept", same_org.sub("invitation").str("id")).code(),
      "not_found");
}

TEST_F(invites, a_blocked_inviter_gets_success_and_the_invitee_nothing) {
  auto alice = connect_as("alice");
  auto bob = connect_as("bob");
  auto first = invite_ok(*alice, "bob@globex.test");
  ASSERT_TRUE(next_event(*bob));
  ASSERT_TRUE(on_invitation(*bob, "invite.ignore", first, true).ok());
  auto blocks = bob->request("blocks.list");
  ASSERT_TRUE(blocks.ok()) << blocks.str("message");
  EXPECT_EQ(blocks.str_list("emails"), (std::vector<std::string>{"alice@acme.test"}));

  // Silence: the inviter's reply looks like any success; nothing reaches bob.
  auto again = invite(*alice, "Bob@Globex.Test", "please?");
  ASSERT_TRUE(again.ok()) << again.str("message");
  auto id = again.sub("invitation").str("id");
  EXPECT_FALSE(next_event(*bob, 500ms)) << "a blocked inviter's invitation was pushed";
  bob.reset();
  bob = connect_as("bob");
  EXPECT_TRUE(listed(*bob, "received").empty());
  EXPECT_EQ(on_invitation(*bob, "invite.accept", id).code(), "not_found");
  for (const auto& s : listed(*alice, "sent"))
    EXPECT_EQ(s.str("status"), "pending");

  // The block is by email, whatever the case it was typed in; removing it lets
  // later invitations through.
  protocol::map_builder rm;
  rm.str("email", "ALICE@acme.TEST");
  ASSERT_TRUE(bob->request("blocks.remove", rm).ok());
  EXPECT_TRUE(bob->request("blocks.list").str_list("emails").empty());
  auto later = invite_ok(*alice, "bob@globex.test");
  auto push = next_event(*bob);
  ASSERT_TRUE(push);
  EXPECT_EQ(push->sub("invitation").str("id"), later);
}

TEST_F(invites, either_side_ends_and_the_conversation_stays_readable) {
  auto alice = connect_as("alice");
  auto bob = connect_as("bob");
  for (const std::string ender : {"bob", "alice"}) {
    SCOPED_TRACE("ended by " + ender);
    auto cid = connect_alice_and_bob(*alice, *bob);
    while (next_event(*alice, 300ms)) {
    }
    auto args = conv_args(cid);
    ASSERT_TRUE(alice->request("conv.open", args).ok());
    ASSERT_TRUE(bob->request("conv.open", args).ok());
    ASSERT_TRUE(send(*alice, cid, "before", "still talking").ok());
    auto& by = ender == "bob" ? *bob : *alice;
    auto& other = ender == "bob" ? *alice : *bob;
    while (next_event(other, 300ms)) {
    }
    auto ended = by.request("conv.end", args);
    ASSERT_TRUE(ended.ok()) << ended.str("message");
    auto c = ended.sub("conv");
    EXPECT_TRUE(c.boolean("ended"));
    EXPECT_EQ(c.str("ended_by"), ender);
    // The system message reaches the other side, in order.
    auto sys = next_event(other);
    ASSERT_TRUE(sys);
    EXPECT_EQ(sys->op(), "message");
    EXPECT_EQ(sys->uint("seq"), 2u);
    EXPECT_EQ(sys->sub("system").str("event"), "ended");
    EXPECT_EQ(sys->sub("system").str("by"), ender);
    // Every further send is forbidden, from both; reading goes on. A retry of a
    // message sent before the end still gets its original answer.
    auto retry = send(*alice, cid, "before", "still talking");
    ASSERT_TRUE(retry.ok()) << retry.str("message");
    EXPECT_EQ(retry.uint("seq"), 1u);
    EXPECT_TRUE(retry.boolean("dup"));
    EXPECT_EQ(send(*alice, cid, "after-a", "hello?").code(), "forbidden");
    EXPECT_EQ(send(*bob, cid, "after-b", "hello?").code(), "forbidden");
    protocol::map_builder typing;
    typing.str("conv", cid).str("state", "start");
    EXPECT_EQ(bob->request("typing", typing).code(), "forbidden");
    for (auto* cl : {alice.get(), bob.get()}) {
      auto h = cl->request("msg.history", args);
      ASSERT_TRUE(h.ok());
      auto msgs = h.list("messages");
      ASSERT_EQ(msgs.size(), 2u);
      EXPECT_EQ(msgs[1].sub("system").str("event"), "ended");
      auto got = cl->request("conv.get", args);
      ASSERT_TRUE(got.ok());
      EXPECT_TRUE(got.sub("conv").boolean("ended"));
      protocol::map_builder rd;
      rd.str("conv", cid).uint("seq", 2);
      EXPECT_TRUE(cl->request("read", rd).ok());
    }
    // Ending again changes nothing.
    auto twice = other.request("conv.end", args);
    ASSERT_TRUE(twice.ok()) << twice.str("message");
    EXPECT_EQ(twice.sub("conv").str("ended_by"), ender);
    EXPECT_EQ(twice.sub("conv").uint("last_seq"), 2u);
  }
  // conv.end applies to cross-org direct conversations only.
  auto own = create_private(*alice, {"carol"});
  EXPECT_EQ(
      alice->request("conv.end", *std::make_unique<protocol::map_builder>(conv_args(own)))
          .code(),
      "bad_request");
  EXPECT_EQ(alice
                ->request("conv.end", *std::make_unique<protocol::map_builder>(
                                          conv_args("c" + std::string(26, 'a'))))
                .code(),
            "not_found");
}

TEST_F(invites, the_end_survives_a_restart) {
  std::string cid;
  {
    auto alice = connect_as("alice");
    auto bob = connect_as("bob");
    cid = connect_alice_and_bob(*alice, *bob);
    ASSERT_TRUE(send(*bob, cid, "b1", "bye").ok());
    auto args = conv_args(cid);
    ASSERT_TRUE(alice->request("conv.end", args).ok());
  }
  restart(SIGTERM);
  auto bob = connect_as("bob");
  auto args = conv_args(cid);
  auto got = bob->request("conv.get", args);
  ASSERT_TRUE(got.ok()) << got.str("message");
  EXPECT_TRUE(got.sub("conv").boolean("ended"));
  EXPECT_EQ(got.sub("conv").str("ended_by"), "alice");
  EXPECT_EQ(got.sub("conv").str("peer_org"), "globex");
  EXPECT_EQ(send(*bob, cid, "b2", "anyone?").code(), "forbidden");
  EXPECT_EQ(conv_list(*bob).count(cid), 1u);
  auto h = bob->request("msg.history", args);
  ASSERT_EQ(h.list("messages").size(), 2u);
  EXPECT_EQ(h.list("messages")[1].sub("system").str("by"), "alice");
}

TEST_F(invites, outsiders_of_both_orgs_get_not_found_on_every_path) {
  auto alice = connect_as("alice");
  auto bob = connect_as("bob");
  alice->keep_notify = true;
  auto cid = connect_alice_and_bob(*alice, *bob);
  ASSERT_TRUE(send(*alice, cid, "a1", "just us").ok());
  auto ghost = conv_args("c" + std::string(26, 'a'));
  auto absent = alice->request("conv.get", ghost);
  ASSERT_EQ(absent.code(), "not_found");
  for (const std::string who : {"carol", "aadmin", "bmate", "bguest", "ivan"}) {
    SCOPED_TRACE(who);
    auto c = connect_as(who);
    c->keep_notify = true;
    auto args = conv_args(cid);
    std::vector<std::pair<std::string, frame_view>> paths;
    paths.emplace_back("conv.get", c->request("conv.get", args));
    paths.emplace_back("msg.history", c->request("msg.history", args));
    paths.emplace_back("conv.open", c->request("conv.open", args));
    paths.emplace_back("msg.send", send(*c, cid, "probe", "let me in"));
    protocol::map_builder around;
    around.str("conv", cid).uint("seq", 1);
    paths.emplace_back("msg.around", c->request("msg.around", around));
    protocol::map_builder rd;
    rd.str("conv", cid).uint("seq", 1);
    paths.emplace_back("read", c->request("read", rd));
    protocol::map_builder typing;
    typing.str("conv", cid).str("state", "start");
    paths.emplace_back("typing", c->request("typing", typing));
    protocol::map_builder join;
    join.str("conv", cid).str_list("users", {who});
    paths.emplace_back("conv.participants.add",
                       c->request("conv.participants.add", join));
    paths.emplace_back("conv.end", c->request("conv.end", args));
    for (const auto& [path, r] : paths) {
      EXPECT_EQ(r.code(), "not_found") << path;
      EXPECT_EQ(r.str("message"), absent.str("message")) << path;
    }
    EXPECT_EQ(conv_list(*c).count(cid), 0u);
    // Nothing of it is pushed to an outsider.
    ASSERT_TRUE(send(*bob, cid, "b-" + who, "still just us").ok());
    EXPECT_FALSE(c->next_push(300ms));
  }
  EXPECT_EQ(conv_list(*alice).count(cid), 1u);
  EXPECT_EQ(conv_list(*bob).count(cid), 1u);
}

// Every op of §8 answers a missing or mistyped argument with bad_request, and the
// connection goes on serving.
TEST_F(invites, every_op_refuses_malformed_arguments_and_the_connection_lives_on) {
  auto alice = connect_as("alice");
  const std::vector<std::string> ops{"invite.send",   "invite.revoke", "invite.accept",
                                     "invite.ignore", "invite.list",   "blocks.remove",
                                     "conv.end"};
  for (const auto& op : ops) {
    EXPECT_EQ(alice->request(op).code(), "bad_request") << op << " with no arguments";
    protocol::map_builder wrong;
    wrong.uint("email", 7).uint("invitation", 7).uint("direction", 7).uint("conv", 7);
    EXPECT_EQ(alice->request(op, wrong).code(), "bad_request") << op << " with integers";
  }
  protocol::map_builder too_long;
  too_long.str("invitation", std::string(100000, 'x'));
  EXPECT_EQ(alice->request("invite.accept", too_long).code(), "bad_request");
  protocol::map_builder block;
  block.str("invitation", "nope").str("block", "yes");
  EXPECT_EQ(alice->request("invite.ignore", block).code(), "bad_request");
  EXPECT_TRUE(alice->request("blocks.list").ok());

  // A user's email is an address or nothing: one that is not is refused at
  // admin.user.put, so no inviter's stored email can fail to normalise.
  auto service = connect_as("ops", true);
  for (const char* bad : {"bob", "a b@x.test", "@x.test", "a@b@c"}) {
    protocol::map_builder u;
    u.str("user", "alice").str("org", "acme").str("kind", "staff").str("name", "A");
    u.str("email", bad);
    EXPECT_EQ(service->request("admin.user.put", u).code(), "bad_request") << bad;
  }
  // Non-ASCII letters are kept as they are and compared byte for byte: an invite
  // with them is delivered-or-silent like any other, never a storage error.
  EXPECT_TRUE(invite(*alice, "J\xc3\x89R\xc3\x94ME@globex.test").ok());
  EXPECT_TRUE(alice->request("blocks.list").ok());
}

} // namespace
} // namespace parley::test

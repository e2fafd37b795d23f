// The support inbox over real WebSockets against a real PostgreSQL (docs/protocol.md
// §9): a contact's one conversation with the org's alias, assignment, the
// AI agent and a human taking over from it, internal comments, closing notes,
// snoozes that wake after kill -9, blocked contacts and the messaging window.
#include <gtest/gtest.h>

#include <csignal>
#include <set>
#include <thread>

#include "tests/integration/harness.hpp"
#include "tests/integration/http_client.hpp"

namespace parley::test {
namespace {

std::int64_t wall_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

class support : public ::testing::Test, public chat_fixture {
protected:
  void SetUp() override {
    start();
    provision({});
    put_user("alice", "acme", "staff", "member");
    put_user("bob", "acme", "staff", "member");
    put_user("gina", "acme", "staff", "guest");
    put_user("helpdesk", "acme", "bot");
    put_user("robo", "acme", "ai");
    put_user("cathy", "acme", "contact");
    put_user("dave", "acme", "contact");
    settings({});
    protocol::map_builder o;
    o.str("org", "globex").str("name", "Globex");
    admin("admin.org.put", o);
    put_user("gstaff", "globex", "staff", "member");
  }

  void put_user(const std::string& id, const std::string& org, const std::string& kind,
                const std::string& role = "") {
    protocol::map_builder u;
    u.str("user", id).str("org", org).str("kind", kind).str("name", id);
    if (!role.empty()) u.str("role", role);
    admin("admin.user.put", u);
  }

  /// Puts acme's settings: the alias is always `helpdesk`; `extra` adds more.
  void settings(const std::vector<std::pair<std::string, std::string>>& text,
                std::int64_t window_hours = 0, bool display_as_alias = false) {
    protocol::map_builder s;
    s.str("alias", "helpdesk");
    for (const auto& [k, v] : text)
      s.str(k, v);
    s.uint("window_hours", static_cast<std::uint64_t>(window_hours));
    s.boolean("display_as_alias", display_as_alias);
    protocol::map_builder o;
    o.str("org", "acme").str("name", "Acme").map("settings", s);
    admin("admin.org.put", o);
  }

  void put_ai(const std::string& fallback, std::int64_t delay_ms) {
    protocol::map_builder rule;
    rule.str_list("match", {"refund"}).str("reply", "Refunds take five days.");
    protocol::map_builder f;
    f.str("user", "robo").raw_array("rules", {rule.finish()}).str("fallback", fallback);
    f.sint("delay_ms", delay_ms);
    admin("admin.ai.put", f);
  }

  /// The contact opens (or finds) its support conversation, saying `body`.
  static frame_view open_support(ws_client& contact, const std::string& body) {
    protocol::map_builder first;
    first.str("body", body);
    protocol::map_builder f;
    f.str("kind", "support").str_list("participants", {"helpdesk"}).map("first", first);
    return contact.request("conv.create", f);
  }

  static frame_view op(ws_client& c, const std::string& name, const std::string& conv,
                       protocol::map_builder extra = {}) {
    extra.str("conv", conv);
    return c.request(name, extra);
  }

  static frame_view send(ws_client& c, const std::string& conv, const std::string& cid,
                         const std::string& body, bool internal = false) {
    protocol::map_builder f;
    f.str("conv", conv).str("cid", cid).str("body", body);
    if (internal) f.boolean("internal", true);
    return c.request("msg.send", f);
  }

  /// `by` assigns the conversation to `assignee` (and the test stops if it cannot).
  static void assign(ws_client& by, const std::string& conv,
                     const std::string& assignee) {
    protocol::map_builder f;
    f.str("assignee", assignee);
    auto r = op(by, "support.assign", conv, std::move(f));
    ASSERT_TRUE(r.ok()) << r.str("message");
  }

  static void subscribe(ws_client& c, const std::string& conv) {
    auto r = op(c, "conv.open", conv);
    ASSERT_TRUE(r.ok()) << r.str("message");
  }

  static std::vector<frame_view> history(ws_client& c, const std::string& conv) {
    protocol::map_builder f;
    f.uint("limit", 200);
    auto r = op(c, "msg.history", conv, std::move(f));
    EXPECT_TRUE(r.ok()) << r.str("message");
    return r.list("messages");
  }

  static std::string event_of(const frame_view& m) {
    return m.has("system") ? m.sub("system").str("event") : "";
  }

  /// The next push on `c` that is neither a notification nor in `skip`.
  static std::optional<frame_view> next_event(ws_client& c,
                                              std::chrono::milliseconds wait = 5s,
                                              std::set<std::string> skip = {}) {
    while (auto p = c.next_push(wait))
      if (p->op() != "notify" && !skip.count(p->op())) return p;
    return std::nullopt;
  }
};

TEST_F(support, a_contact_has_one_conversation_with_the_alias) {
  auto cathy = connect_as("cathy");
  auto r = open_support(*cathy, "Hello, my order is late");
  ASSERT_TRUE(r.ok()) << r.str("message");
  auto conv = r.sub("conv");
  auto id = conv.str("id");
  EXPECT_EQ(conv.str("kind"), "support");
  EXPECT_EQ(conv.str("status"), "open");
  EXPECT_TRUE(conv.boolean("unreplied"));
  EXPECT_FALSE(r.has("existing"));
  EXPECT_EQ(conv.str_list("participants"),
            (std::vector<std::string>{"cathy", "helpdesk"}));

  // Again, from another device: the same conversation, and its message joins it.
  auto phone = connect_as("cathy");
  auto again = open_support(*phone, "Any news?");
  ASSERT_TRUE(again.ok()) << again.str("message");
  EXPECT_TRUE(again.boolean("existing"));
  EXPECT_EQ(again.sub("conv").str("id"), id);
  auto msgs = history(*cathy, id);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[1].str("body"), "Any news?");

  // After a restart it is found in the database.
  restart(SIGTERM);
  auto later = connect_as("cathy");
  auto third = open_support(*later, "Still waiting");
  ASSERT_TRUE(third.ok()) << third.str("message");
  EXPECT_TRUE(third.boolean("existing"));
  EXPECT_EQ(third.sub("conv").str("id"), id);
  EXPECT_EQ(history(*later, id).size(), 3u);
  EXPECT_EQ(db->query("SELECT count(*) FROM conversations WHERE kind = 'support'"),
            std::vector<std::string>{"1"});

  // Another contact gets its own; neither sees the other's.
  auto dave = connect_as("dave");
  auto theirs = open_support(*dave, "Hi");
  ASSERT_TRUE(theirs.ok());
  EXPECT_NE(theirs.sub("conv").str("id"), id);
  EXPECT_EQ(op(*dave, "conv.get", id).code(), "not_found");
}

TEST_F(support, who_may_open_and_read_support_conversations) {
  auto alias = connect_as("helpdesk");
  EXPECT_EQ(open_support(*alias, "echo").code(), "bad_request"); // never with itself
  auto alice = connect_as("alice");
  EXPECT_EQ(open_support(*alice, "hi").code(), "forbidden");
  auto cathy = connect_as("cathy");
  protocol::map_builder f;
  f.str("kind", "support").str_list("participants", {"alice"});
  EXPECT_EQ(cathy->request("conv.create", f).code(), "bad_request"); // not the alias
  auto id = open_support(*cathy, "Hello").sub("conv").str("id");

  // Staff (not guests) read and reply; a guest and another org see nothing.
  EXPECT_TRUE(op(*alice, "conv.get", id).ok());
  EXPECT_TRUE(send(*alice, id, "a1", "How can I help?").ok());
  auto gina = connect_as("gina");
  EXPECT_EQ(op(*gina, "conv.get", id).code(), "not_found");
  auto gstaff = connect_as("gstaff");
  EXPECT_EQ(op(*gstaff, "conv.get", id).code(), "not_found");
  // The contact may not write internal comments, nor run support ops.
  EXPECT_EQ(send(*cathy, id, "c-int", "psst", true).code(), "forbidden");
  EXPECT_EQ(op(*cathy, "support.takeover", id).code(), "forbidden");
  // Not a support conversation.
  auto priv = create_private(*alice, {"bob"});
  EXPECT_EQ(op(*alice, "support.close", priv).code(), "bad_request");
}

TEST_F(support, assignment_is_recorded_and_pushed) {
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "Help").sub("conv").str("id");
  auto alice = connect_as("alice");
  subscribe(*alice, id);
  protocol::map_builder a;
  a.str("assignee", "bob").str("team", "nope");
  EXPECT_EQ(op(*alice, "support.assign", id, std::move(a)).code(), "bad_request");
  protocol::map_builder b;
  b.str("assignee", "gina"); // a guest cannot be assigned
  EXPECT_EQ(op(*alice, "support.assign", id, std::move(b)).code(), "bad_request");

  protocol::map_builder t;
  t.str("team", "tier1").str("org", "acme").str("name", "Tier 1");
  t.str_list("members", {"alice", "bob"});
  admin("admin.team.put", t);
  protocol::map_builder ok;
  ok.str("assignee", "bob").str("team", "tier1");
  auto r = op(*alice, "support.assign", id, std::move(ok));
  ASSERT_TRUE(r.ok()) << r.str("message");
  EXPECT_EQ(r.sub("conv").str("assignee"), "bob");
  EXPECT_EQ(r.sub("conv").str("team"), "tier1");
  auto push = next_event(*alice);
  ASSERT_TRUE(push);
  EXPECT_EQ(event_of(*push), "assigned");
  EXPECT_EQ(push->sub("system").str("by"), "alice");
  EXPECT_EQ(push->sub("system").str("assignee"), "bob");

  // The same assignment again changes nothing and writes nothing.
  protocol::map_builder same;
  same.str("assignee", "bob").str("team", "tier1");
  EXPECT_TRUE(op(*alice, "support.assign", id, std::move(same)).ok());
  // Unassign: both nil.
  auto none = op(*alice, "support.assign", id);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.sub("conv").has("assignee"));
  auto msgs = history(*alice, id);
  ASSERT_EQ(msgs.size(), 3u); // the message, two assignments
  EXPECT_EQ(event_of(msgs[2]), "assigned");
  EXPECT_FALSE(msgs[2].sub("system").has("assignee"));

  // Survives a restart.
  restart(SIGKILL);
  auto again = connect_as("alice");
  auto got = op(*again, "conv.get", id);
  EXPECT_FALSE(got.sub("conv").has("assignee"));
  EXPECT_EQ(history(*again, id)[1].sub("system").str("team"), "tier1");
}

TEST_F(support, the_ai_agent_answers_by_its_rules_and_hands_off) {
  put_ai("handoff", 100);
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "Hi").sub("conv").str("id");
  auto alice = connect_as("alice");
  assign(*alice, id, "robo");
  subscribe(*cathy, id);

  ASSERT_TRUE(send(*cathy, id, "c1", "I would like a REFUND please").ok());
  // The contact sees the agent type, then its answer.
  auto typing = next_event(*cathy, 5s, {"message"});
  ASSERT_TRUE(typing);
  EXPECT_EQ(typing->op(), "typing");
  EXPECT_EQ(typing->str("kind"), "ai");
  EXPECT_EQ(typing->str("state"), "start");
  std::optional<frame_view> answer;
  while (auto p = next_event(*cathy, 5s)) {
    if (p->op() == "message" && p->str("author") == "robo") {
      answer = p;
      break;
    }
  }
  ASSERT_TRUE(answer) << "no AI answer";
  EXPECT_EQ(answer->str("body"), "Refunds take five days.");
  EXPECT_FALSE(op(*alice, "conv.get", id).sub("conv").boolean("unreplied"));

  // No rule matches: the agent hands the conversation to humans.
  ASSERT_TRUE(send(*cathy, id, "c2", "Where is my parcel?").ok());
  std::optional<frame_view> handoff;
  while (auto p = next_event(*cathy, 5s, {"typing"})) {
    if (event_of(*p) == "assigned") {
      handoff = p;
      break;
    }
  }
  ASSERT_TRUE(handoff) << "no handoff";
  EXPECT_TRUE(handoff->sub("system").boolean("handoff"));
  EXPECT_EQ(handoff->sub("system").str("by"), "robo");
  EXPECT_FALSE(op(*alice, "conv.get", id).sub("conv").has("assignee"));

  // A fallback text is sent as the answer.
  put_ai("A human will answer soon.", 0);
  protocol::map_builder again;
  again.str("assignee", "robo");
  ASSERT_TRUE(op(*alice, "support.assign", id, std::move(again)).ok());
  ASSERT_TRUE(send(*cathy, id, "c3", "Hello?").ok());
  bool fallback = false;
  while (auto p = next_event(*cathy, 5s, {"typing"}))
    if (p->op() == "message" && p->str("body") == "A human will answer soon.") {
      fallback = true;
      break;
    }
  EXPECT_TRUE(fallback);
}

TEST_F(support, the_ai_agents_rules_and_delay_survive_a_restart) {
  put_ai("handoff", 1500);
  restart(SIGTERM);
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "Hi").sub("conv").str("id");
  auto alice = connect_as("alice");
  assign(*alice, id, "robo");
  subscribe(*cathy, id);
  auto asked = std::chrono::steady_clock::now();
  ASSERT_TRUE(send(*cathy, id, "c1", "I want a refund please").ok());
  std::optional<frame_view> answer;
  while (auto p = next_event(*cathy, 5s, {"typing"})) {
    if (p->op() == "message" && (p->str("author") == "robo" || p->has("system"))) {
      answer = p;
      break;
    }
  }
  ASSERT_TRUE(answer) << "no AI answer";
  EXPECT_EQ(answer->str("body"), "Refunds take five days.") << "the rules were lost";
  EXPECT_FALSE(answer->has("system")) << "handed off: " << event_of(*answer);
  EXPECT_GE(std::chrono::steady_clock::now() - asked, 1400ms) << "the delay was lost";
}

TEST_F(support, org_settings_teams_companies_and_favourites_survive_a_restart) {
  settings({{"connect_policy", "none"}}, 0, true);
  protocol::map_builder t;
  t.str("team", "tier1").str("org", "acme").str("name", "Tier 1");
  t.str_list("members", {"alice", "bob"});
  admin("admin.team.put", t);
  protocol::map_builder c;
  c.str("company", "initech").str("org", "acme").str("name", "Initech");
  admin("admin.company.put", c);
  {
    auto alice = connect_as("alice");
    protocol::map_builder f;
    f.str("company", "initech");
    ASSERT_TRUE(alice->request("favorites.add", f).ok());
  }
  restart(SIGTERM);

  // Favourites: in the hello reply.
  ws_client alice{server->port()};
  auto hello = alice.hello(token_for(secret, "alice", false));
  ASSERT_TRUE(hello.ok()) << hello.str("message");
  EXPECT_EQ(hello.sub("user").str_list("favorites"), std::vector<std::string>{"initech"});
  // Settings: connect_policy none still refuses invitations.
  protocol::map_builder inv;
  inv.str("email", "someone@globex.test");
  auto refused = alice.request("invite.send", inv);
  EXPECT_EQ(refused.code(), "forbidden") << refused.str("message");
  // The team: an assignment may name it.
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "Help").sub("conv").str("id");
  protocol::map_builder to;
  to.str("assignee", "bob").str("team", "tier1");
  auto r = op(alice, "support.assign", id, std::move(to));
  ASSERT_TRUE(r.ok()) << r.str("message");
  EXPECT_EQ(r.sub("conv").str("team"), "tier1");
  // display_as_alias: the contact sees staff typing as the alias.
  subscribe(*cathy, id);
  protocol::map_builder typing;
  typing.str("state", "start");
  ASSERT_TRUE(op(alice, "typing", id, std::move(typing)).ok());
  auto shown = next_event(*cathy, 5s, {"message"});
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->op(), "typing");
  EXPECT_EQ(shown->str("user"), "helpdesk");
}

TEST_F(support, a_takeover_during_the_delay_leaves_no_ai_reply) {
  put_ai("Fallback text", 1500);
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "Hi").sub("conv").str("id");
  auto alice = connect_as("alice");
  assign(*alice, id, "robo");
  // Only humans may take over, and only from an AI.
  EXPECT_EQ(op(*cathy, "support.takeover", id).code(), "forbidden");
  subscribe(*cathy, id);
  subscribe(*alice, id);

  ASSERT_TRUE(send(*cathy, id, "c1", "I need a refund").ok());
  auto typing = next_event(*alice, 5s, {"message"});
  ASSERT_TRUE(typing);
  ASSERT_EQ(typing->op(), "typing");
  ASSERT_EQ(typing->str("user"), "robo");
  auto t = op(*alice, "support.takeover", id);
  ASSERT_TRUE(t.ok()) << t.str("message");
  EXPECT_EQ(t.sub("conv").str("assignee"), "alice");
  // The agent's typing stops at once.
  bool stopped = false;
  while (auto p = next_event(*cathy, 3s, {"message"}))
    if (p->op() == "typing" && p->str("state") == "stop") {
      stopped = true;
      break;
    }
  EXPECT_TRUE(stopped);
  // Taking over twice: the assignee is no AI any more.
  EXPECT_EQ(op(*alice, "support.takeover", id).code(), "conflict");

  // Well past the agent's delay: nothing from it was stored or pushed.
  std::this_thread::sleep_for(2500ms);
  for (const auto& m : history(*alice, id))
    EXPECT_NE(m.str("author"), "robo") << m.str("body");
  while (auto p = cathy->next_push(200ms))
    EXPECT_FALSE(p->op() == "message" && p->str("author") == "robo");
  auto events = history(*alice, id);
  EXPECT_EQ(event_of(events.back()), "takeover");
  EXPECT_EQ(events.back().sub("system").str("from"), "robo");
  // The refused answer is counted.
  auto metrics = http_call(server->port(), "GET", "/metrics", "").body;
  EXPECT_NE(metrics.find("parley_ai_replies_refused_total 1"), std::string::npos)
      << metrics;
}

TEST_F(support, internal_comments_and_typing_never_reach_the_contact) {
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "Hi").sub("conv").str("id");
  auto alice = connect_as("alice");
  subscribe(*cathy, id);
  subscribe(*alice, id);
  auto bob = connect_as("bob");
  protocol::map_builder ty;
  ty.str("conv", id).str("state", "start").boolean("internal", true);
  ASSERT_TRUE(bob->request("typing", ty).ok());
  ASSERT_TRUE(send(*bob, id, "b1", "She is a VIP", true).ok());
  ASSERT_TRUE(send(*bob, id, "b2", "Hello Cathy").ok());
  // The contact's next event is the public reply; nothing internal came before.
  auto p = next_event(*cathy, 5s, {"typing"});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->str("body"), "Hello Cathy");
  for (const auto& m : history(*cathy, id))
    EXPECT_FALSE(m.has("internal")) << m.str("body");
  EXPECT_EQ(history(*alice, id).size(), 3u);
  // The internal comment left the conversation waiting for an answer until b2.
  EXPECT_FALSE(op(*alice, "conv.get", id).sub("conv").boolean("unreplied"));
}

TEST_F(support, closing_notes_and_reopening) {
  settings({{"closing_notes", "required"}});
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "Hi").sub("conv").str("id");
  auto alice = connect_as("alice");
  EXPECT_EQ(op(*alice, "support.close", id).code(), "bad_request");
  protocol::map_builder blank;
  blank.str("note", "   ");
  EXPECT_EQ(op(*alice, "support.close", id, std::move(blank)).code(), "bad_request");
  protocol::map_builder note;
  note.str("note", "Refund issued");
  auto r = op(*alice, "support.close", id, std::move(note));
  ASSERT_TRUE(r.ok()) << r.str("message");
  EXPECT_EQ(r.sub("conv").str("status"), "closed");
  auto closed = history(*alice, id).back();
  EXPECT_EQ(event_of(closed), "closed");
  EXPECT_EQ(closed.sub("system").str("note"), "Refund issued");

  // Snoozing a closed conversation is a conflict; the contact's message reopens it.
  protocol::map_builder sn;
  sn.sint("until", wall_ms() + 60'000);
  EXPECT_EQ(op(*alice, "support.snooze", id, std::move(sn)).code(), "conflict");
  ASSERT_TRUE(send(*cathy, id, "c2", "One more thing").ok());
  auto msgs = history(*alice, id);
  ASSERT_GE(msgs.size(), 2u);
  EXPECT_EQ(event_of(msgs[msgs.size() - 2]), "reopened");
  EXPECT_EQ(msgs[msgs.size() - 2].sub("system").str("from"), "closed");
  EXPECT_EQ(op(*alice, "conv.get", id).sub("conv").str("status"), "open");

  // `off` ignores a note.
  settings({{"closing_notes", "off"}});
  protocol::map_builder ignored;
  ignored.str("note", "not kept");
  ASSERT_TRUE(op(*alice, "support.close", id, std::move(ignored)).ok());
  EXPECT_FALSE(history(*alice, id).back().sub("system").has("note"));
}

TEST_F(support, a_snooze_wakes_after_kill_9_and_restart) {
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "Hi").sub("conv").str("id");
  auto alice = connect_as("alice");
  assign(*alice, id, "alice");
  protocol::map_builder past;
  past.sint("until", wall_ms() - 1);
  EXPECT_EQ(op(*alice, "support.snooze", id, std::move(past)).code(), "bad_request");
  protocol::map_builder sn;
  sn.sint("until", wall_ms() + 3000);
  auto r = op(*alice, "support.snooze", id, std::move(sn));
  ASSERT_TRUE(r.ok()) << r.str("message");
  EXPECT_EQ(r.sub("conv").str("status"), "snoozed");

  restart(SIGKILL);
  auto back = connect_as("alice");
  EXPECT_EQ(op(*back, "conv.get", id).sub("conv").str("status"), "snoozed");
  std::optional<frame_view> woke;
  while (auto p = back->next_push(10s))
    if (p->op() == "unsnoozed") {
      woke = p;
      break;
    }
  ASSERT_TRUE(woke) << "the assignee was not told";
  EXPECT_EQ(woke->str("conv"), id);
  EXPECT_EQ(op(*back, "conv.get", id).sub("conv").str("status"), "open");
  auto last = history(*back, id).back();
  EXPECT_EQ(event_of(last), "unsnoozed");
  EXPECT_TRUE(last.sub("system").find("by") == nullptr); // nil: the server
  auto metrics = http_call(server->port(), "GET", "/metrics", "").body;
  EXPECT_NE(metrics.find("parley_snoozes_woken_total 1"), std::string::npos) << metrics;
}

TEST_F(support, blocked_contacts_cannot_write_or_be_snoozed) {
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "Hi").sub("conv").str("id");
  auto alice = connect_as("alice");
  protocol::map_builder who;
  who.str("contact", "cathy");
  EXPECT_EQ(cathy->request("contact.block", who).code(), "forbidden");
  protocol::map_builder bogus;
  bogus.str("contact", "bob"); // staff, not a contact
  EXPECT_EQ(alice->request("contact.block", bogus).code(), "bad_request");
  protocol::map_builder block;
  block.str("contact", "cathy");
  ASSERT_TRUE(alice->request("contact.block", block).ok());
  EXPECT_EQ(send(*cathy, id, "c2", "spam").code(), "blocked");
  EXPECT_EQ(open_support(*cathy, "more spam").code(), "blocked");
  protocol::map_builder sn;
  sn.sint("until", wall_ms() + 60'000);
  EXPECT_EQ(op(*alice, "support.snooze", id, std::move(sn)).code(), "blocked");

  // Still blocked after a restart; unblocking lets the contact write again.
  restart(SIGTERM);
  auto cathy2 = connect_as("cathy");
  auto alice2 = connect_as("alice");
  EXPECT_EQ(send(*cathy2, id, "c3", "spam").code(), "blocked");
  protocol::map_builder unblock;
  unblock.str("contact", "cathy");
  ASSERT_TRUE(alice2->request("contact.unblock", unblock).ok());
  EXPECT_TRUE(send(*cathy2, id, "c4", "sorry").ok());
}

TEST_F(support, the_messaging_window_closes_after_the_contacts_last_message) {
  settings({}, 1);
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "Hi").sub("conv").str("id");
  auto alice = connect_as("alice");
  EXPECT_TRUE(send(*alice, id, "a1", "Hello!").ok());
  // Two hours pass (moved in the database while the server is down).
  server->stop(SIGTERM);
  db->query("UPDATE conversations SET last_contact_ts = last_contact_ts - 7200000,"
            " created_at = created_at - 7200000 WHERE id = '" +
            id + "' RETURNING id");
  start();
  auto alice2 = connect_as("alice");
  EXPECT_EQ(send(*alice2, id, "a2", "Still there?").code(), "window_closed");
  EXPECT_TRUE(send(*alice2, id, "a3", "note to self", true).ok()); // internal passes
  auto cathy2 = connect_as("cathy");
  EXPECT_TRUE(send(*cathy2, id, "c2", "Yes!").ok()); // the contact reopens it
  EXPECT_TRUE(send(*alice2, id, "a4", "Great").ok());
}

TEST_F(support, a_contact_sees_agents_typing_as_the_alias) {
  settings({}, 0, true);
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "Hi").sub("conv").str("id");
  subscribe(*cathy, id);
  auto alice = connect_as("alice");
  subscribe(*alice, id);
  auto bob = connect_as("bob");
  protocol::map_builder ty;
  ty.str("conv", id).str("state", "start");
  ASSERT_TRUE(bob->request("typing", ty).ok());
  auto seen_by_contact = next_event(*cathy);
  ASSERT_TRUE(seen_by_contact);
  EXPECT_EQ(seen_by_contact->op(), "typing");
  EXPECT_EQ(seen_by_contact->str("user"), "helpdesk");
  auto seen_by_staff = next_event(*alice);
  ASSERT_TRUE(seen_by_staff);
  EXPECT_EQ(seen_by_staff->str("user"), "bob");
}

} // namespace
} // namespace parley::test

namespace parley::test {
namespace {

/// The conversation ids of an inbox.list page.
std::vector<std::string> inbox_ids(ws_client& c, protocol::map_builder f) {
  auto r = c.request("inbox.list", f);
  EXPECT_TRUE(r.ok()) << r.str("message");
  std::vector<std::string> ids;
  for (const auto& item : r.list("items"))
    ids.push_back(item.str("id"));
  return ids;
}

protocol::map_builder view(const std::string& v) {
  protocol::map_builder f;
  f.str("view", v);
  return f;
}

TEST_F(support, the_inbox_lists_what_the_wire_made) {
  auto cathy = connect_as("cathy");
  auto dave = connect_as("dave");
  auto c1 = open_support(*cathy, "Hi from Cathy").sub("conv").str("id");
  auto c2 = open_support(*dave, "Hi from Dave").sub("conv").str("id");
  auto alice = connect_as("alice");
  assign(*alice, c1, "alice");
  ASSERT_TRUE(send(*alice, c1, "a1", "On it").ok());

  EXPECT_EQ(inbox_ids(*alice, view("mine")), std::vector<std::string>{c1});
  EXPECT_EQ(inbox_ids(*alice, view("unassigned")), std::vector<std::string>{c2});
  auto waiting = view("all");
  waiting.boolean("unreplied", true);
  EXPECT_EQ(inbox_ids(*alice, std::move(waiting)), std::vector<std::string>{c2});
  auto newest = inbox_ids(*alice, view("all"));
  EXPECT_EQ(newest, (std::vector<std::string>{c1, c2})); // c1 had the latest activity

  // A blocked contact leaves every view but `blocked`.
  protocol::map_builder block;
  block.str("contact", "dave");
  ASSERT_TRUE(alice->request("contact.block", block).ok());
  EXPECT_EQ(inbox_ids(*alice, view("all")), std::vector<std::string>{c1});
  EXPECT_EQ(inbox_ids(*alice, view("blocked")), std::vector<std::string>{c2});

  // Closed and snoozed conversations are filtered by status.
  protocol::map_builder sn;
  sn.sint("until", wall_ms() + 3'600'000);
  ASSERT_TRUE(op(*alice, "support.snooze", c1, std::move(sn)).ok());
  auto snoozed = view("all");
  snoozed.str("status", "snoozed");
  EXPECT_EQ(inbox_ids(*alice, std::move(snoozed)), std::vector<std::string>{c1});
  auto open = view("all");
  open.str("status", "open");
  EXPECT_TRUE(inbox_ids(*alice, std::move(open)).empty());
}

TEST_F(support, search_finds_support_messages_but_never_shows_the_contact_comments) {
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "My invoice is wrong").sub("conv").str("id");
  auto alice = connect_as("alice");
  ASSERT_TRUE(send(*alice, id, "a1", "invoice dispute: customer is upset", true).ok());
  ASSERT_TRUE(send(*alice, id, "a2", "Sorry about the invoice").ok());
  auto hits = [](ws_client& c, const std::string& q, const std::string& scope) {
    protocol::map_builder f;
    f.str("q", q).str("scope", scope);
    auto r = c.request("search", f);
    EXPECT_TRUE(r.ok()) << r.str("message");
    std::vector<std::uint64_t> seqs;
    for (const auto& h : r.list("hits"))
      seqs.push_back(h.uint("seq"));
    return seqs;
  };
  EXPECT_EQ(hits(*cathy, "invoice", "messages"), (std::vector<std::uint64_t>{3, 1}));
  EXPECT_EQ(hits(*alice, "invoice", "messages"), (std::vector<std::uint64_t>{3, 1}));
  EXPECT_EQ(hits(*alice, "dispute", "comments"), std::vector<std::uint64_t>{2});
  protocol::map_builder f;
  f.str("q", "dispute").str("scope", "comments");
  EXPECT_EQ(cathy->request("search", f).code(), "forbidden");
  // Other staff orgs and guests find nothing of it.
  auto gina = connect_as("gina");
  EXPECT_TRUE(hits(*gina, "invoice", "messages").empty());
  auto dave = connect_as("dave");
  EXPECT_TRUE(hits(*dave, "invoice", "messages").empty());
}

} // namespace
} // namespace parley::test

namespace parley::test {
namespace {

TEST_F(support, the_default_assignee_ai_answers_the_first_message) {
  put_ai("handoff", 50);
  protocol::map_builder s;
  s.str("support_assignee", "robo");
  protocol::map_builder o;
  o.str("org", "acme").str("name", "Acme").map("settings", s);
  admin("admin.org.put", o);
  auto cathy = connect_as("cathy");
  auto r = open_support(*cathy, "I want a refund");
  ASSERT_TRUE(r.ok()) << r.str("message");
  auto id = r.sub("conv").str("id");
  EXPECT_EQ(r.sub("conv").str("assignee"), "robo");
  auto alice = connect_as("alice");
  bool answered = false;
  for (int i = 0; i < 100 && !answered; ++i) {
    for (const auto& m : history(*alice, id))
      if (m.str("author") == "robo") answered = true;
    if (!answered) std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(answered) << "the AI did not answer the first message";

  // "" clears the setting: the next contact's conversation starts unassigned.
  protocol::map_builder clear;
  clear.str("support_assignee", "");
  protocol::map_builder o2;
  o2.str("org", "acme").str("name", "Acme").map("settings", clear);
  admin("admin.org.put", o2);
  auto dave = connect_as("dave");
  auto d = open_support(*dave, "Hello");
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d.sub("conv").has("assignee"));
}

} // namespace
} // namespace parley::test

namespace parley::test {
namespace {

TEST_F(support,
       bad_arguments_to_every_support_op_are_bad_requests_on_a_living_connection) {
  auto cathy = connect_as("cathy");
  auto id = open_support(*cathy, "Hi").sub("conv").str("id");
  auto alice = connect_as("alice");
  auto expect_bad = [&](ws_client& c, const std::string& name, protocol::map_builder f) {
    auto r = c.request(name, f);
    EXPECT_EQ(r.code(), "bad_request") << name << ": " << r.str("message");
    EXPECT_FALSE(r.str("message").empty()) << name;
  };
  protocol::map_builder no_until;
  no_until.str("conv", id);
  expect_bad(*alice, "support.snooze", std::move(no_until));
  protocol::map_builder text_until;
  text_until.str("conv", id).str("until", "tomorrow");
  expect_bad(*alice, "support.snooze", std::move(text_until));
  protocol::map_builder numeric_assignee;
  numeric_assignee.str("conv", id).uint("assignee", 42);
  expect_bad(*alice, "support.assign", std::move(numeric_assignee));
  protocol::map_builder numeric_note;
  numeric_note.str("conv", id).uint("note", 7);
  expect_bad(*alice, "support.close", std::move(numeric_note));
  protocol::map_builder no_conv;
  expect_bad(*alice, "support.takeover", std::move(no_conv));
  protocol::map_builder no_contact;
  expect_bad(*alice, "contact.block", std::move(no_contact));
  protocol::map_builder unknown_contact;
  unknown_contact.str("contact", "nobody");
  expect_bad(*alice, "contact.unblock", std::move(unknown_contact));

  // admin.ai.put: shapes first, then the rules' own validation.
  auto admin_c = connect_as("provisioner", true);
  auto ai = [](const std::string& user) {
    protocol::map_builder f;
    f.str("user", user);
    return f;
  };
  auto rules_text = ai("robo");
  rules_text.str("rules", "refund");
  expect_bad(*admin_c, "admin.ai.put", std::move(rules_text));
  protocol::map_builder empty_match;
  empty_match.str_list("match", {}).str("reply", "x");
  auto with_empty = ai("robo");
  with_empty.raw_array("rules", {empty_match.finish()});
  expect_bad(*admin_c, "admin.ai.put", std::move(with_empty));
  protocol::map_builder number_match;
  number_match.uint("match", 1).str("reply", "x");
  auto with_number = ai("robo");
  with_number.raw_array("rules", {number_match.finish()});
  expect_bad(*admin_c, "admin.ai.put", std::move(with_number));
  auto slow = ai("robo");
  slow.sint("delay_ms", 3'600'000);
  expect_bad(*admin_c, "admin.ai.put", std::move(slow));
  auto numeric_fallback = ai("robo");
  numeric_fallback.uint("fallback", 1);
  expect_bad(*admin_c, "admin.ai.put", std::move(numeric_fallback));
  expect_bad(*admin_c, "admin.ai.put", ai("alice")); // not an ai user
  // Only an admin token configures agents.
  auto not_admin = ai("robo");
  EXPECT_EQ(alice->request("admin.ai.put", not_admin).code(), "forbidden");

  // Every connection lives on and works.
  auto valid = ai("robo");
  EXPECT_TRUE(admin_c->request("admin.ai.put", valid).ok());
  EXPECT_TRUE(op(*alice, "conv.get", id).ok());
  EXPECT_TRUE(send(*cathy, id, "c2", "still here").ok());
}

} // namespace
} // namespace parley::test

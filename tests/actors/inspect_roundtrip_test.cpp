// The inspect overloads of actors/api (PARLEY_INSPECT) round-trip through CAF's
// binary serializer, the form values take when they cross nodes: every field,
// and std::optional members both set and empty.
#include <gtest/gtest.h>

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "actors/api/interfaces.hpp"

using namespace parley;

namespace {

template <class T>
T round_trip(T x) {
  std::vector<char> buf;
  caf::binary_serializer sink{nullptr, buf};
  EXPECT_FALSE(sink(x));
  T out;
  caf::binary_deserializer source{nullptr, buf};
  EXPECT_FALSE(source(out));
  return out;
}

} // namespace

TEST(inspect, optional_members_travel_set_and_empty) {
  support_request r;
  r.rid = 7;
  r.conv = "c1";
  r.user = "ann";
  r.op = support_request::assign;
  r.assignee = "bob";
  r.note = "";
  r.until = 42;
  auto got = round_trip(r);
  EXPECT_EQ(got.rid, 7u);
  EXPECT_EQ(got.conv, "c1");
  EXPECT_EQ(got.user, "ann");
  EXPECT_EQ(got.op, support_request::assign);
  EXPECT_EQ(got.assignee, std::optional<std::string>{"bob"});
  EXPECT_EQ(got.team, std::nullopt);
  EXPECT_EQ(got.note, std::optional<std::string>{""});
  EXPECT_EQ(got.until, 42);
}

TEST(inspect, nested_values_and_records) {
  write_request w;
  w.conv = "c1";
  w.epoch = 3;
  protocol::message m;
  m.conv = "c1";
  m.seq = 5;
  m.body = "hi";
  m.reply_to = protocol::reply_ref{4, "bob", "hello"};
  w.messages.push_back(m);
  protocol::support_info s;
  s.contact = "carl";
  s.status = "open";
  s.snoozed_until = 99;
  w.support = s;
  auto got = round_trip(w);
  ASSERT_EQ(got.messages.size(), 1u);
  EXPECT_EQ(got.messages[0].seq, 5u);
  EXPECT_EQ(got.messages[0].body, "hi");
  ASSERT_TRUE(got.messages[0].reply_to);
  EXPECT_EQ(got.messages[0].reply_to->author, "bob");
  EXPECT_FALSE(got.messages[0].system);
  ASSERT_TRUE(got.support);
  EXPECT_EQ(got.support->contact, "carl");
  EXPECT_EQ(got.support->snoozed_until, std::optional<std::int64_t>{99});
  EXPECT_EQ(got.support->assignee, std::nullopt);
  EXPECT_FALSE(got.conversation); // only a create carries the conversation's row

  w.conversation.emplace();
  w.conversation->id = "c1";
  w.conversation->participants = {"ann", "bob"};
  w.conversation->subject = "plans";
  auto created = round_trip(w);
  ASSERT_TRUE(created.conversation);
  EXPECT_EQ(created.conversation->id, "c1");
  EXPECT_EQ(created.conversation->participants, (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(created.conversation->subject, std::optional<std::string>{"plans"});

  search_result r;
  r.hits.push_back({"c1", 5, 1000, "a \x02word\x03"});
  r.contacts.push_back({"u1", "Carl", "carl@example.com"});
  r.contacts.push_back({"u2", "Dora", std::nullopt});
  auto hits = round_trip(r);
  ASSERT_EQ(hits.hits.size(), 1u);
  EXPECT_EQ(hits.hits[0].snippet, "a \x02word\x03");
  ASSERT_EQ(hits.contacts.size(), 2u);
  EXPECT_EQ(hits.contacts[0].email, std::optional<std::string>{"carl@example.com"});
  EXPECT_EQ(hits.contacts[1].email, std::nullopt);

  conversation_snapshot snap;
  snap.found = true;
  snap.recent_keys.push_back({"c1", "ann", "k1", 3, 300});
  snap.reads.push_back({"ann", 3, 0});
  auto back = round_trip(snap);
  ASSERT_EQ(back.recent_keys.size(), 1u);
  EXPECT_EQ(back.recent_keys[0].cid, "k1");
  ASSERT_EQ(back.reads.size(), 1u);
  EXPECT_EQ(back.reads[0].seq, 3u);
}

// What the nodes of a cluster tell each other (issue 17): a directory change of
// each kind keeps its kind and payload; a write keeps its fence.
TEST(inspect, cluster_messages_travel) {
  directory_change c;
  c.what = directory_change::kind::favorites;
  c.id = "ann";
  c.companies = {"co1", "co2"};
  c.version = 9;
  auto got = round_trip(c);
  EXPECT_EQ(got.what, directory_change::kind::favorites);
  EXPECT_EQ(got.id, "ann");
  EXPECT_EQ(got.companies, (std::vector<std::string>{"co1", "co2"}));
  EXPECT_EQ(got.version, 9);
  directory_change u;
  u.what = directory_change::kind::user;
  u.user.id = "bob";
  u.user.org = "o1";
  u.user.role = protocol::staff_role::admin;
  auto gu = round_trip(u);
  EXPECT_EQ(gu.what, directory_change::kind::user);
  EXPECT_EQ(gu.user.id, "bob");
  EXPECT_EQ(gu.user.role, std::optional{protocol::staff_role::admin});
  directory_change a;
  a.what = directory_change::kind::ai;
  a.ai.user = "robo";
  a.ai.match = {{"refund"}};
  a.ai.reply = {"see policy"};
  a.ai.delay_ms = 5;
  auto ga = round_trip(a);
  EXPECT_EQ(ga.ai.match, (std::vector<std::vector<std::string>>{{"refund"}}));
  EXPECT_EQ(ga.ai.delay_ms, 5);
  write_request w;
  w.conv = "c1";
  w.fenced = true;
  w.owner_epoch = 12;
  auto gw = round_trip(w);
  EXPECT_TRUE(gw.fenced);
  EXPECT_EQ(gw.owner_epoch, 12u);
  // peer_card carries actor handles, which serialize only within an actor system
  // (they register with it): the join of every integration cluster test sends it.
}

// A committed batch's notifications cross to every other node in one message; the
// remote pushes carry actor handles (like peer_card above), which serialize only
// within an actor system: the cluster integration tests send them.
TEST(inspect, a_batch_of_notifications_travels) {
  notify_batch a;
  a.conv = "c1";
  a.seq = 7;
  a.author = "ann";
  a.preview = "hi";
  a.targets = {{"bob", 2}, {"cleo", 1}};
  notify_batch b = a;
  b.seq = 8;
  b.targets = {{"bob", 3}};
  auto got = round_trip(std::vector<notify_batch>{a, b});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].seq, 7u);
  EXPECT_EQ(got[0].targets.size(), 2u);
  EXPECT_EQ(got[0].targets[1].user, "cleo");
  EXPECT_EQ(got[1].seq, 8u);
  EXPECT_EQ(got[1].targets[0].unread, 3u);
  EXPECT_EQ(got[1].preview, "hi");
}

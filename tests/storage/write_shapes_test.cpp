// The group commit statement holds only the parts a batch has rows for
// (storage::write_shape): each of its eight shapes must number its parameters
// without a gap (PostgreSQL cannot type a parameter no part uses) and write what
// its batch holds, against a real PostgreSQL.
#include <gtest/gtest.h>

#include <set>

#include "storage/message_queries.hpp"
#include "storage/migrate.hpp"
#include "tests/integration/harness.hpp"

namespace parley::storage {
namespace {

/// The parameter numbers `sql` uses.
std::set<int> parameters(const std::string& sql) {
  std::set<int> out;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] != '$') continue;
    int n = 0;
    std::size_t j = i + 1;
    for (; j < sql.size() && sql[j] >= '0' && sql[j] <= '9'; ++j)
      n = n * 10 + (sql[j] - '0');
    if (j > i + 1) out.insert(n);
  }
  return out;
}

write_shape shape_of(unsigned i) {
  return {(i & 1) != 0, (i & 2) != 0, (i & 4) != 0};
}

TEST(write_batch_sql, every_shape_numbers_its_parameters_without_a_gap) {
  for (unsigned i = 0; i < 8; ++i) {
    auto shape = shape_of(i);
    ASSERT_EQ(shape.index(), i);
    auto used = parameters(write_batch_sql(shape));
    int expected =
        (shape.creates ? 13 : 0) + (shape.messages ? 16 : 0) + (shape.reads ? 6 : 0);
    ASSERT_EQ(static_cast<int>(used.size()), expected) << "shape " << i;
    if (expected > 0) {
      EXPECT_EQ(*used.begin(), 1) << "shape " << i;
      EXPECT_EQ(*used.rbegin(), expected) << "shape " << i;
    }
  }
}

TEST(write_batch_sql, a_lone_message_sets_up_neither_creates_nor_read_markers) {
  auto sql = write_batch_sql({false, true, false});
  EXPECT_EQ(sql.find("new_convs"), std::string::npos);
  EXPECT_EQ(sql.find("read_markers"), std::string::npos);
  EXPECT_NE(sql.find("INSERT INTO messages"), std::string::npos);
  EXPECT_NE(sql.find("UPDATE conversations"), std::string::npos);
}

class write_shapes : public ::testing::Test {
protected:
  void SetUp() override {
    db_ = std::make_unique<test::test_database>();
    conn_ = std::make_unique<pg::connection>(db_->conninfo(), pg::limits{},
                                             writer_settings());
    ASSERT_TRUE(conn_->ok()) << conn_->error();
    auto m = migrate(*conn_);
    ASSERT_TRUE(m.ok) << m.error;
    ASSERT_TRUE(
        conn_->exec("INSERT INTO orgs (id, name, updated_at) VALUES ('o1', 'O', 0)")
            .ok());
  }

  static new_conversation conversation(const std::string& id) {
    new_conversation nc;
    nc.conv.id = id;
    nc.conv.org = "o1";
    nc.conv.created_by = "u1";
    nc.conv.created_at = 1000;
    nc.conv.participants = {"u1", "u2"};
    nc.conv.last_seq = 1;
    nc.conv.last_ts = 1000;
    nc.create_cid = "create-" + id;
    return nc;
  }

  static protocol::message message(const std::string& conv, std::uint64_t seq) {
    protocol::message m;
    m.conv = conv;
    m.seq = seq;
    m.ts = 1000 + static_cast<std::int64_t>(seq);
    m.author = "u1";
    m.cid = "c-" + conv + "-" + std::to_string(seq);
    m.body = "message " + std::to_string(seq);
    return m;
  }

  static protocol::system_event ended_by(const std::string& who) {
    protocol::system_event e;
    e.event = "ended";
    e.by = who;
    return e;
  }

  std::string one(const std::string& sql) {
    auto rows = db_->query(sql);
    return rows.empty() ? std::string{"<none>"} : rows.front();
  }

  std::unique_ptr<test::test_database> db_;
  std::unique_ptr<pg::connection> conn_;
};

// Every shape in turn on one connection (so each is prepared beside the others):
// what each batch holds lands, and nothing else.
TEST_F(write_shapes, each_shape_writes_what_its_batch_holds) {
  // An existing conversation with two messages, for the shapes without a create.
  {
    write_batch b;
    b.creates.push_back(conversation("base"));
    b.messages.push_back(message("base", 1));
    ASSERT_TRUE(write(*conn_, b).ok());
  }
  std::uint64_t base_seq = 1;
  for (unsigned i = 0; i < 8; ++i) {
    SCOPED_TRACE("shape " + std::to_string(i));
    auto shape = shape_of(i);
    write_batch b;
    std::string created = "new" + std::to_string(i);
    if (shape.creates) {
      b.creates.push_back(conversation(created));
      if (shape.messages) b.messages.push_back(message(created, 1));
    }
    if (shape.messages) b.messages.push_back(message("base", ++base_seq));
    // The marker's unread count sees only messages committed before the statement
    // (its upto is the conversation's last committed seq): one message by u1.
    std::uint64_t upto = shape.messages ? base_seq - 1 : base_seq;
    if (shape.reads)
      b.reads.push_back(
          {"base", "u2", upto - 1, upto, false, static_cast<std::int64_t>(5000 + i)});
    auto r = write(*conn_, b);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(one("SELECT count(*) FROM conversations WHERE id = '" + created + "'"),
              shape.creates ? "1" : "0");
    EXPECT_EQ(one("SELECT count(*) FROM participants WHERE conv = '" + created + "'"),
              shape.creates ? "2" : "0");
    // A private conversation's newest seq is in conversation_activity (migration
    // 015); its conversations row keeps what it had when it was created.
    EXPECT_EQ(one("SELECT last_seq FROM conversation_activity WHERE id = 'base'"),
              shape.messages || base_seq > 1 ? std::to_string(base_seq) : "<none>");
    EXPECT_EQ(one("SELECT last_seq FROM conversations WHERE id = 'base'"), "1");
    EXPECT_EQ(one("SELECT max(seq) FROM messages WHERE conv = 'base'"),
              std::to_string(base_seq));
    if (shape.reads) {
      ASSERT_EQ(r.value->size(), 1u);
      EXPECT_EQ(r.value->front().user, "u2");
      EXPECT_EQ(r.value->front().seq, upto - 1);
      EXPECT_EQ(r.value->front().unread, 1u);
      EXPECT_EQ(one("SELECT updated_at FROM read_markers WHERE conv = 'base'"),
                std::to_string(5000 + i));
    } else {
      EXPECT_TRUE(r.value->empty());
    }
  }
  EXPECT_EQ(one("SELECT count(*) FROM messages"), std::to_string(base_seq + 2));
}

// The newest seq and time (migration 015): every conversation's are in
// conversation_activity, and conversations keeps them exact only where an index
// walks them (support and company-tied conversations). Loading a conversation
// gives the exact ones whichever holds them, and ending one records the end.
TEST_F(write_shapes, the_newest_seq_is_exact_for_every_kind) {
  {
    write_batch b;
    auto priv = conversation("priv");
    auto company = conversation("comp");
    company.conv.kind = protocol::conv_kind::company;
    company.conv.company = "acme";
    auto support = conversation("supp");
    support.conv.kind = protocol::conv_kind::support;
    for (auto* c : {&priv, &company, &support})
      b.creates.push_back(*c);
    ASSERT_TRUE(write(*conn_, b).ok());
  }
  write_batch b;
  for (const char* id : {"priv", "comp", "supp"}) {
    b.messages.push_back(message(id, 2));
    b.messages.push_back(message(id, 3));
  }
  b.messages.back().system = ended_by("u1");
  auto r = write(*conn_, b);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(one("SELECT string_agg(id || ':' || last_seq, ',' ORDER BY id)"
                " FROM conversation_activity"),
            "comp:3,priv:3,supp:3");
  EXPECT_EQ(
      one("SELECT string_agg(id || ':' || last_seq || ':' || (ended_at IS NOT NULL),"
          " ',' ORDER BY id) FROM conversations"),
      "comp:3:false,priv:1:false,supp:3:true");
  for (const char* id : {"priv", "comp", "supp"}) {
    auto loaded = load_conversation(*conn_, id);
    ASSERT_TRUE(loaded.ok() && *loaded.value) << id;
    EXPECT_EQ((*loaded.value)->last_seq, 3u) << id;
    EXPECT_EQ((*loaded.value)->last_ts, 1003) << id;
  }
  // A private conversation's end is written to its conversations row, with its
  // newest seq as of then.
  write_batch end;
  end.messages.push_back(message("priv", 4));
  end.messages.back().system = ended_by("u1");
  ASSERT_TRUE(write(*conn_, end).ok());
  EXPECT_EQ(
      one("SELECT last_seq || ':' || ended_by FROM conversations WHERE id = 'priv'"),
      "4:u1");
}

} // namespace
} // namespace parley::storage

// The group-commit writer (actors/db/persistence) against a real PostgreSQL: one
// transaction carries the writes of many conversations of many orgs, so a row that
// the database refuses must fail only its own conversation's write, never another
// tenant's (issue 18: one NUL byte used to fail every message of its batch).
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/api/type_ids.hpp"
#include "actors/db/persistence.hpp"
#include "actors/rules/write_epoch.hpp"
#include "storage/db_result.hpp"
#include "storage/migrate.hpp"
#include "tests/integration/harness.hpp"

namespace parley {
namespace {

/// The real writer on a real actor system, and a client to ask it.
struct running_writer {
  explicit running_writer(const std::string& conninfo)
      : sys{(cfg.add_message_types<caf::id_block::parley>(), cfg)},
        writer{sys.spawn<caf::detached>(persistence, conninfo,
                                        storage::pg::limits::of(std::chrono::seconds{5}),
                                        stats)},
        self{sys} {}
  ~running_writer() { self->send_exit(writer, caf::exit_reason::user_shutdown); }

  /// Sends every request at once, so that they share transactions, and returns
  /// each one's outcome in order.
  std::vector<write_status> write_all(std::vector<write_request> requests) {
    std::vector<decltype(self->request(writer, caf::infinite, write_atom_v,
                                       write_request{}))>
        pending;
    for (auto& r : requests)
      pending.push_back(self->request(writer, caf::infinite, write_atom_v, std::move(r)));
    std::vector<write_status> out;
    for (auto& p : pending) {
      auto status = write_status::stale;
      p.receive([&](write_outcome& o) { status = o.status; },
                [&](caf::error& err) { ADD_FAILURE() << to_string(err); });
      out.push_back(status);
    }
    return out;
  }

  caf::actor_system_config cfg;
  caf::actor_system sys;
  std::shared_ptr<metrics> stats = std::make_shared<metrics>();
  persistence_actor writer;
  caf::scoped_actor self;
};

class group_commit : public ::testing::Test {
protected:
  void SetUp() override {
    db_ = std::make_unique<test::test_database>();
    storage::pg::connection conn{db_->conninfo()};
    ASSERT_TRUE(conn.ok()) << conn.error();
    auto m = storage::migrate(conn);
    ASSERT_TRUE(m.ok) << m.error;
    ASSERT_TRUE(
        conn.exec("INSERT INTO orgs (id, name, updated_at) VALUES ('o1', 'O', 0)").ok());
  }

  /// A new conversation of `org` with one message of `body`.
  static write_request creating(const std::string& conv, const std::string& org,
                                const std::string& body) {
    write_request w;
    w.conv = conv;
    w.epoch = next_write_epoch();
    w.create = true;
    w.conversation.id = conv;
    w.conversation.org = org;
    w.conversation.created_by = "u1";
    w.conversation.created_at = 1000;
    w.conversation.participants = {"u1"};
    w.conversation.last_seq = 1;
    w.conversation.last_ts = 1000;
    protocol::message m;
    m.conv = conv;
    m.seq = 1;
    m.ts = 1000;
    m.author = "u1";
    m.cid = "c-" + conv;
    m.body = body;
    w.messages.push_back(std::move(m));
    return w;
  }

  std::unique_ptr<test::test_database> db_;
};

TEST_F(group_commit, a_refused_row_fails_only_its_own_conversation) {
  running_writer w{db_->conninfo()};
  // 40 writes in flight at once, so that they share transactions. Two are bad in
  // different ways: a NUL in the body (refused before it is sent) and an org that
  // does not exist (a foreign key the database refuses).
  const int n = 40;
  auto bad = [](int i) { return i == 7 || i == 30; };
  std::vector<write_request> requests;
  for (int i = 0; i < n; ++i) {
    auto conv = "k" + std::to_string(i);
    requests.push_back(i == 7    ? creating(conv, "o1", std::string("hi\0there", 8))
                       : i == 30 ? creating(conv, "no-such-org", "hello")
                                 : creating(conv, "o1", "hello " + conv));
  }
  auto outcomes = w.write_all(std::move(requests));
  for (int i = 0; i < n; ++i)
    EXPECT_EQ(outcomes[i], bad(i) ? write_status::unavailable : write_status::committed)
        << "conversation k" << i;
  auto stored = db_->query("SELECT count(*) FROM messages");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0], std::to_string(n - 2));
  EXPECT_EQ(db_->query("SELECT body FROM messages WHERE conv = 'k7'").size(), 0u);
  EXPECT_EQ(db_->query("SELECT id FROM conversations WHERE id = 'k30'").size(), 0u);
  // The writer keeps going: the same conversation, repaired, commits.
  std::vector<write_request> again;
  again.push_back(creating("k7", "o1", "hi there"));
  EXPECT_EQ(w.write_all(std::move(again)), std::vector{write_status::committed});
}

// A failure of the server itself (here: a read-only database) is nobody's data:
// the writer fails the batch at once instead of retrying it in ever smaller parts,
// which would fail just the same (at least one statement per conversation).
TEST_F(group_commit, a_server_side_failure_fails_the_batch_without_splitting_it) {
  {
    storage::pg::connection admin{db_->conninfo()};
    ASSERT_TRUE(admin
                    .exec("ALTER DATABASE " + db_->name() +
                          " SET default_transaction_read_only = on")
                    .ok());
  }
  running_writer w{db_->conninfo()};
  const int n = 40;
  std::vector<write_request> requests;
  for (int i = 0; i < n; ++i)
    requests.push_back(creating("r" + std::to_string(i), "o1", "hello"));
  for (auto status : w.write_all(std::move(requests)))
    EXPECT_EQ(status, write_status::unavailable);
  // One failed statement per batch; splitting would have cost at least one per
  // conversation.
  EXPECT_LT(w.stats->commit_failures.load(), static_cast<std::uint64_t>(n));
}

TEST(blames_the_data, only_data_exceptions_and_constraint_violations) {
  struct row {
    const char* sqlstate;
    bool data;
  };
  for (const auto& r : std::vector<row>{
           {"22021", true},  // NUL in text
           {"22003", true},  // numeric value out of range
           {"23505", true},  // unique violation
           {"23503", true},  // foreign key violation
           {"25006", false}, // read-only transaction
           {"53100", false}, // disk full
           {"57014", false}, // statement timeout / cancel
           {"40001", false}, // serialization failure
           {"08006", false}, // connection failure
           {"", false},      // no result at all
           {"22", false},    // not a SQLSTATE
       })
    EXPECT_EQ(storage::blames_the_data(r.sqlstate), r.data) << r.sqlstate;
}

TEST_F(group_commit, a_parameter_with_a_nul_is_refused_not_cut) {
  storage::pg::connection conn{db_->conninfo()};
  auto r = conn.exec("SELECT $1::text", {std::string("hi\0there", 8)});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.sqlstate(), storage::pg::sqlstate_nul_in_text);
  EXPECT_EQ(r.error(), "parameter $1 holds a NUL byte");
  EXPECT_TRUE(conn.ok()); // nothing was sent: the connection is untouched
  auto fine = conn.exec("SELECT $1::text", {std::string("hi there")});
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine.str(0, 0), "hi there");
}

} // namespace
} // namespace parley

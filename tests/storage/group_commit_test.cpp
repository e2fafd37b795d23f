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
#include "storage/message_queries.hpp"
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

  /// Sends the reads and then the writes, all at once, and returns the reads'
  /// results in order (and the writes' outcomes in `writes_out`).
  std::vector<read_stored> read_all(std::vector<read_write> reads,
                                    std::vector<write_request> writes = {},
                                    std::vector<write_status>* writes_out = nullptr) {
    std::vector<decltype(self->request(writer, caf::infinite, read_atom_v, read_write{}))>
        pending;
    for (auto& r : reads)
      pending.push_back(self->request(writer, caf::infinite, read_atom_v, std::move(r)));
    auto statuses = write_all(std::move(writes));
    if (writes_out) *writes_out = statuses;
    std::vector<read_stored> out;
    for (auto& p : pending)
      p.receive([&](read_stored& r) { out.push_back(r); },
                [&](caf::error& err) {
                  ADD_FAILURE() << to_string(err);
                  out.push_back({});
                });
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
    auto& c = w.conversation.emplace();
    c.id = conv;
    c.org = org;
    c.created_by = "u1";
    c.created_at = 1000;
    c.participants = {"u1"};
    c.last_seq = 1;
    c.last_ts = 1000;
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

  /// Message `seq` of `conv` by `author`, to an existing conversation.
  static write_request appending(const std::string& conv, std::uint64_t seq,
                                 const std::string& author) {
    write_request w;
    w.conv = conv;
    w.epoch = next_write_epoch();
    protocol::message m;
    m.conv = conv;
    m.seq = seq;
    m.ts = 1000 + static_cast<std::int64_t>(seq);
    m.author = author;
    m.cid = "c-" + conv + "-" + std::to_string(seq);
    m.body = "message " + std::to_string(seq);
    w.messages.push_back(std::move(m));
    return w;
  }

  std::unique_ptr<test::test_database> db_;
};

// Read markers ride with the group commit: a marker and a message sent together
// share the transaction, two markers of one user in one conversation become one
// row (the higher seq), and unread counts the messages after the stored marker up
// to the conversation's last committed seq, not the reader's own.
TEST_F(group_commit, read_markers_join_the_commit_and_merge_per_user) {
  running_writer w{db_->conninfo()};
  std::vector<write_request> setup;
  setup.push_back(creating("k1", "o1", "first"));
  ASSERT_EQ(w.write_all(std::move(setup)), std::vector{write_status::committed});
  for (std::uint64_t seq = 2; seq <= 5; ++seq) {
    std::vector<write_request> one;
    one.push_back(appending("k1", seq, seq == 4 ? "u2" : "u1"));
    ASSERT_EQ(w.write_all(std::move(one)), std::vector{write_status::committed});
  }
  const auto commits_before = w.stats->commits.load();
  std::vector<read_write> reads{
      {"k1", "u2", 1, 5, false}, // merged with the next one: seq 3 wins
      {"k1", "u2", 3, 5, false},
      {"k1", "u3", 2, 5, false},
  };
  std::vector<write_request> writes;
  writes.push_back(appending("k1", 6, "u1"));
  std::vector<write_status> statuses;
  auto out = w.read_all(std::move(reads), std::move(writes), &statuses);
  EXPECT_EQ(statuses, std::vector{write_status::committed});
  ASSERT_EQ(out.size(), 3u);
  for (const auto& r : out)
    EXPECT_TRUE(r.ok);
  // u2's row: marker 3; after it up to seq 5, message 5 by u1 (4 is u2's own).
  EXPECT_EQ(out[0].seq, 3u);
  EXPECT_EQ(out[0].unread, 1u);
  EXPECT_EQ(out[1].seq, 3u);
  EXPECT_EQ(out[1].upto, 5u);
  // u3: messages 3, 4, 5.
  EXPECT_EQ(out[2].seq, 2u);
  EXPECT_EQ(out[2].unread, 3u);
  EXPECT_EQ(w.stats->read_markers_committed.load(), 2u);
  // All of it in one transaction with the message.
  EXPECT_EQ(w.stats->commits.load() - commits_before, 1u);
  EXPECT_EQ(db_->query("SELECT user_id || '=' || seq FROM read_markers ORDER BY user_id"),
            (std::vector<std::string>{"u2=3", "u3=2"}));
}

// Without a message to ride with, a marker is written on its own within the
// window; markers only move forward.
TEST_F(group_commit, a_lone_read_marker_is_written_after_the_window) {
  running_writer w{db_->conninfo()};
  std::vector<write_request> setup;
  setup.push_back(creating("k1", "o1", "first"));
  ASSERT_EQ(w.write_all(std::move(setup)), std::vector{write_status::committed});
  auto first = w.read_all({{"k1", "u2", 1, 1, false}});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(first[0].ok);
  EXPECT_EQ(first[0].seq, 1u);
  EXPECT_EQ(first[0].unread, 0u);
  auto back = w.read_all({{"k1", "u2", 0, 1, false}});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_TRUE(back[0].ok);
  EXPECT_EQ(back[0].seq, 1u); // never moved back
  EXPECT_EQ(db_->query("SELECT seq FROM read_markers WHERE user_id = 'u2'"),
            std::vector<std::string>{"1"});
}

// A marker whose conversation does not exist (a foreign key) fails alone: the
// messages in the same batch and the other markers commit.
TEST_F(group_commit, a_refused_read_marker_fails_only_itself) {
  running_writer w{db_->conninfo()};
  std::vector<write_request> setup;
  setup.push_back(creating("k1", "o1", "first"));
  ASSERT_EQ(w.write_all(std::move(setup)), std::vector{write_status::committed});
  std::vector<write_request> writes;
  writes.push_back(appending("k1", 2, "u1"));
  std::vector<write_status> statuses;
  auto out = w.read_all({{"k1", "u2", 1, 1, false}, {"gone", "u2", 1, 1, false}},
                        std::move(writes), &statuses);
  EXPECT_EQ(statuses, std::vector{write_status::committed});
  ASSERT_EQ(out.size(), 2u);
  // The markers are retried apart from the messages, and halved down to the one
  // at fault.
  EXPECT_TRUE(out[0].ok);
  EXPECT_FALSE(out[1].ok);
  EXPECT_EQ(db_->query("SELECT user_id || '=' || seq FROM read_markers"),
            std::vector<std::string>{"u2=1"});
  EXPECT_EQ(db_->query("SELECT count(*) FROM messages WHERE conv = 'k1'"),
            std::vector<std::string>{"2"});
}

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

namespace parley {
namespace {

// Fencing (migration 014, clustered nodes): a write carrying an owner epoch that
// another node's takeover has raised fails alone with `fenced` and stores nothing;
// the other conversations of the same batch commit; the new owner's epoch commits.
TEST_F(group_commit, a_write_of_a_taken_over_conversation_is_fenced_alone) {
  running_writer w{db_->conninfo()};
  std::vector<write_request> setup;
  setup.push_back(creating("k1", "o1", "first"));
  setup.push_back(creating("k2", "o1", "first"));
  ASSERT_EQ(w.write_all(std::move(setup)),
            (std::vector{write_status::committed, write_status::committed}));
  storage::pg::connection conn{db_->conninfo()};
  // Another node takes k1 over: its epoch goes from 0 to 1.
  auto taken = storage::take_ownership(conn, "k1");
  ASSERT_TRUE(taken.ok()) << taken.error;
  ASSERT_EQ(taken.value->value_or(0), 1u);
  EXPECT_FALSE(storage::take_ownership(conn, "nope").value->has_value());
  auto fenced = [](write_request r, std::uint64_t owner_epoch) {
    r.fenced = true;
    r.owner_epoch = owner_epoch;
    return r;
  };
  std::vector<write_request> batch;
  batch.push_back(fenced(appending("k1", 2, "u1"), 0)); // the stale owner
  batch.push_back(fenced(appending("k2", 2, "u1"), 0)); // still owned
  EXPECT_EQ(w.write_all(std::move(batch)),
            (std::vector{write_status::fenced, write_status::committed}));
  EXPECT_EQ(db_->query("SELECT conv || ':' || max(seq) FROM messages GROUP BY conv"
                       " ORDER BY conv"),
            (std::vector<std::string>{"k1:1", "k2:2"}));
  // The new owner writes with the epoch it took.
  std::vector<write_request> next;
  next.push_back(fenced(appending("k1", 2, "u2"), 1));
  EXPECT_EQ(w.write_all(std::move(next)), std::vector{write_status::committed});
  EXPECT_EQ(db_->query("SELECT author FROM messages WHERE conv = 'k1' AND seq = 2"),
            std::vector<std::string>{"u2"});
}

} // namespace
} // namespace parley

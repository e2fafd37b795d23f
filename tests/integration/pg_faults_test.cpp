// PostgreSQL faults under a steady send load, against the real parleyd and a
// PostgreSQL cluster of each test's own (tests/integration/pg_cluster.hpp: the
// suite's shared cluster cannot be stopped under the tests running beside it):
//   - stopped for a few seconds, then started;
//   - restarted with `pg_ctl restart -m fast`;
//   - frozen (SIGSTOP of every PostgreSQL process) for longer than the server's
//     database deadline: a stuck database that neither answers nor refuses.
// In each: every send is answered (`ok`, or `unavailable` while the database is
// away), within a bound and never by a dropped socket; /healthz answers 503 while
// the database is gone and 200 after; sends succeed again without restarting
// parleyd; and afterwards every acknowledged message is stored exactly once with
// its seq, seqs are gapless per conversation, and the clients' retries of the
// same cid (after `unavailable`) never stored a message twice.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "tests/integration/harness.hpp"
#include "tests/integration/http_client.hpp"
#include "tests/integration/pg_cluster.hpp"

namespace parley::test {
namespace {

using clock_type = std::chrono::steady_clock;

/// --db-timeout of the server under test, and the bound on any reply that follows
/// from it (runtime_config::db_wait: 3 T + 2 s, plus scheduling slack on a busy
/// machine).
constexpr int db_timeout_s = 2;
constexpr auto reply_bound = std::chrono::seconds{3 * db_timeout_s + 2 + 3};

double seconds(clock_type::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// What one sending connection saw.
struct sender_log {
  sender_log(std::string u, std::string c) : user(std::move(u)), conv(std::move(c)) {}
  std::string user;
  std::string conv;
  std::map<std::string, std::uint64_t> acked; // cid -> seq the server promised
  std::set<std::string> sent;                 // every cid sent
  std::atomic<std::size_t> unavailable{0};
  /// Bytes of (incompressible) filler in each body: the full-disk case fills it.
  std::size_t filler = 0;
  std::vector<std::string> unexpected; // replies neither ok nor unavailable
  clock_type::duration slowest{};      // the longest wait for a reply
  bool dropped = false;                // the server closed the connection
  /// Acknowledgements of sends made after the database came back (the test
  /// thread watches it while the sender runs).
  std::atomic<std::size_t> acks_after_recovery{0};
};

/// One user sending into one conversation: at most `window` sends in flight, one
/// every 20 ms, and every send answered `unavailable` is sent again (same cid) as a
/// client would. Until `stop`; then it waits for what is in flight and re-sends
/// every unacknowledged cid until it is stored.
void drive(ws_client& c, sender_log& log, const std::atomic<bool>& stop,
           const std::atomic<clock_type::rep>& recovered_at) {
  constexpr std::size_t window = 4;
  struct pending_send {
    std::string cid;
    clock_type::time_point at;
  };
  std::map<std::uint64_t, pending_send> pending;
  std::deque<std::string> retry;
  std::uint64_t n = 0;
  auto next_send = clock_type::now();
  std::mt19937_64 rng{std::hash<std::string>{}(log.user)};
  auto body = [&](const std::string& cid) {
    std::string out = "fault " + cid + " ";
    // Words of 8 letters: random (so TOAST cannot compress them away) and short
    // enough for full-text indexing.
    for (std::size_t i = 0; i < log.filler; ++i)
      out += i % 9 == 8 ? ' ' : static_cast<char>('a' + rng() % 26);
    return out;
  };
  auto send = [&](const std::string& cid) {
    protocol::map_builder f;
    f.str("conv", log.conv).str("cid", cid).str("body", body(cid));
    pending.emplace(c.send_request("msg.send", f), pending_send{cid, clock_type::now()});
    log.sent.insert(cid);
  };
  auto take_reply = [&](const read_result& r) {
    if (r.what == read_result::kind::closed) {
      log.dropped = true;
      return;
    }
    if (r.what != read_result::kind::frame || r.frame.op() != "reply") return;
    auto it = pending.find(r.frame.uint("rid"));
    if (it == pending.end()) return;
    auto waited = clock_type::now() - it->second.at;
    log.slowest = std::max(log.slowest, waited);
    if (r.frame.ok()) {
      log.acked[it->second.cid] = r.frame.uint("seq");
      if (it->second.at.time_since_epoch().count() > recovered_at.load())
        ++log.acks_after_recovery;
    } else if (r.frame.code() == "unavailable") {
      ++log.unavailable;
      retry.push_back(it->second.cid);
    } else {
      log.unexpected.push_back(r.frame.code() + ": " + r.frame.str("message"));
    }
    pending.erase(it);
  };
  while (!stop && !log.dropped) {
    auto now = clock_type::now();
    if (pending.size() < window && now >= next_send) {
      if (retry.empty()) {
        send(log.user + "-" + std::to_string(n++));
      } else {
        send(retry.front());
        retry.pop_front();
      }
      next_send = now + std::chrono::milliseconds{20};
    }
    take_reply(c.read(std::chrono::milliseconds{5}));
  }
  // What is in flight is answered within the bound.
  auto deadline = clock_type::now() + reply_bound;
  while (!pending.empty() && !log.dropped && clock_type::now() < deadline)
    take_reply(c.read(std::chrono::milliseconds{100}));
  for (const auto& [rid, p] : pending) {
    (void)rid;
    log.slowest = std::max(log.slowest, clock_type::now() - p.at);
    retry.push_back(p.cid); // never answered: the assertion on `slowest` fails
  }
  pending.clear();
  // The database is back: every cid not acknowledged is sent until it is stored.
  for (int round = 0; round < 5 && !retry.empty() && !log.dropped; ++round) {
    std::deque<std::string> again;
    for (const auto& cid : retry) {
      protocol::map_builder f;
      f.str("conv", log.conv).str("cid", cid).str("body", body(cid));
      auto r = c.request("msg.send", f);
      if (r.ok())
        log.acked[cid] = r.uint("seq");
      else
        again.push_back(cid);
    }
    retry.swap(again);
    if (!retry.empty()) std::this_thread::sleep_for(std::chrono::seconds{1});
  }
}

/// GET /healthz every 200 ms: each answer's status with its time.
struct health_log {
  std::mutex mu;
  std::vector<std::pair<clock_type::time_point, int>> answers;

  /// Whether any answer in [from, to) had `status`.
  bool saw(int status, clock_type::time_point from, clock_type::time_point to) {
    std::lock_guard lock{mu};
    for (const auto& [t, s] : answers)
      if (t >= from && t < to && s == status) return true;
    return false;
  }
  /// The status of the last answer.
  int last() {
    std::lock_guard lock{mu};
    return answers.empty() ? 0 : answers.back().second;
  }
};

class pg_faults : public ::testing::Test {
protected:
  void SetUp() override {
    cluster = std::make_unique<pg_cluster>(disk, tmpfs_size);
    server = std::make_unique<server_process>(std::vector<std::string>{
        "--db", cluster->conninfo(), "--token-secret", secret, "--rate-limit", "0",
        "--db-timeout", std::to_string(db_timeout_s), "--db-workers", "2"});
    ws_client admin{server->port()};
    ASSERT_TRUE(admin.hello(token_for(secret, "provisioner", true)).ok());
    protocol::map_builder org;
    org.str("org", "acme").str("name", "Acme");
    ASSERT_TRUE(admin.request("admin.org.put", org).ok());
    for (const auto* u : {"alice", "bob", "carol", "dave"}) {
      protocol::map_builder f;
      f.str("user", u).str("org", "acme").str("kind", "staff").str("name", u);
      ASSERT_TRUE(admin.request("admin.user.put", f).ok());
    }
    // Two conversations, two senders each: the group commit mixes them.
    for (auto [creator, other] :
         {std::pair{"alice", "bob"}, std::pair{"carol", "dave"}}) {
      ws_client c{server->port()};
      ASSERT_TRUE(c.hello(token_for(secret, creator)).ok());
      protocol::map_builder f;
      f.str("kind", "private").str_list("participants", {other});
      auto r = c.request("conv.create", f);
      ASSERT_TRUE(r.ok()) << r.str("message");
      auto conv = r.sub("conv").str("id");
      logs.push_back(std::make_unique<sender_log>(creator, conv));
      logs.push_back(std::make_unique<sender_log>(other, conv));
    }
  }

  /// Waits (up to `limit`) until the senders have been refused `n` times more.
  bool refused(std::size_t n, std::chrono::seconds limit) {
    auto target = total_unavailable() + n;
    auto deadline = clock_type::now() + limit;
    while (total_unavailable() < target && clock_type::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds{50});
    return total_unavailable() >= target;
  }

  /// The /healthz answers while the fault lasted, e.g. "200 x12, 503 x3".
  std::string health_during(clock_type::time_point from, clock_type::time_point to) {
    std::map<int, int> n;
    std::lock_guard lock{health.mu};
    for (const auto& [t, s] : health.answers)
      if (t >= from && t < to) ++n[s];
    std::string out;
    for (const auto& [s, k] : n)
      out += (out.empty() ? "" : ", ") + std::to_string(s) + " x" + std::to_string(k);
    return out;
  }

  void TearDown() override {
    if (server) server->stop(SIGKILL);
    server.reset();
    cluster.reset();
  }

  /// Runs the load, lets it commit for a while, applies `fault` (which returns once
  /// the database is back), and keeps the load going until every sender has been
  /// acknowledged again; then stops it and checks what every sender saw.
  void under_load(const std::function<void()>& fault) {
    std::atomic<bool> stop{false};
    std::atomic<clock_type::rep> recovered_at{
        clock_type::time_point::max().time_since_epoch().count()};
    std::vector<std::unique_ptr<ws_client>> clients;
    for (auto& log : logs) {
      clients.push_back(std::make_unique<ws_client>(server->port()));
      ASSERT_TRUE(clients.back()->hello(token_for(secret, log->user)).ok());
    }
    std::atomic<bool> polling{true};
    std::thread poller{[&] {
      while (polling) {
        auto status = http_call(server->port(), "GET", "/healthz", "").status;
        {
          std::lock_guard lock{health.mu};
          health.answers.emplace_back(clock_type::now(), status);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds{200});
      }
    }};
    std::vector<std::thread> senders;
    for (std::size_t i = 0; i < logs.size(); ++i)
      senders.emplace_back(drive, std::ref(*clients[i]), std::ref(*logs[i]),
                           std::cref(stop), std::cref(recovered_at));

    std::this_thread::sleep_for(std::chrono::seconds{2}); // commits flow
    EXPECT_EQ(health.last(), 200);
    fault_started = clock_type::now();
    auto log_before = server->stderr_text().size();
    fault();
    recovered = clock_type::now();
    recovered_at = recovered.time_since_epoch().count();
    // Every sender gets acknowledgements again, with parleyd never restarted.
    auto deadline = recovered + std::chrono::seconds{30};
    auto all_back = [&] {
      return std::all_of(logs.begin(), logs.end(),
                         [](const auto& l) { return l->acks_after_recovery >= 10; });
    };
    while (!all_back() && clock_type::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
    while (health.last() != 200 && clock_type::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds{100});
    stop = true;
    for (auto& t : senders)
      t.join();
    polling = false;
    poller.join();

    // The figures, for the record (docs/testing.md).
    std::size_t acked = 0, sent = 0;
    clock_type::duration slowest{};
    for (const auto& l : logs) {
      acked += l->acked.size();
      sent += l->sent.size();
      slowest = std::max(slowest, l->slowest);
    }
    std::cout << "  fault " << seconds(recovered - fault_started) << " s; " << sent
              << " cids sent, " << acked << " acknowledged, " << total_unavailable()
              << " sends refused unavailable; slowest reply " << seconds(slowest)
              << " s; /healthz during the fault: "
              << health_during(fault_started, recovered) << "\n";
    // The fault is in parleyd's log, in a few lines (not one per failed commit).
    // (Lines not its own are the server's warnings that libpq prints, e.g. on a
    // crash restart, once per connection.)
    fault_log = server->stderr_text().substr(log_before);
    std::istringstream fault_lines{fault_log};
    int own_lines = 0;
    for (std::string line; std::getline(fault_lines, line);)
      own_lines += line.rfind("parleyd:", 0) == 0;
    EXPECT_LE(own_lines, 6) << fault_log;
    EXPECT_EQ(kill(server->pid(), 0), 0) << "parleyd is still the same process";
    EXPECT_TRUE(health.saw(200, recovered, clock_type::now())) << "/healthz after";
    for (const auto& l : logs) {
      const auto& log = *l;
      SCOPED_TRACE(log.user);
      EXPECT_FALSE(log.dropped) << "a send was answered by a closed socket";
      EXPECT_TRUE(log.unexpected.empty()) << log.unexpected.front();
      EXPECT_LT(log.slowest, reply_bound)
          << "a reply took " << seconds(log.slowest) << " s";
      EXPECT_GE(log.acks_after_recovery.load(), 10u) << "sends succeed again";
      EXPECT_EQ(log.acked.size(), log.sent.size()) << "every cid stored in the end";
    }
    check_stored();
  }

  /// Every acknowledged message is stored once with its seq; seqs are 1..n in each
  /// conversation; no (author, cid) twice.
  void check_stored() {
    std::map<std::string, std::map<std::string, std::uint64_t>> by_conv; // conv -> cid
    for (const auto& log : logs)
      for (const auto& [cid, seq] : log->acked)
        by_conv[log->conv][cid] = seq;
    for (const auto& [conv, acked] : by_conv) {
      SCOPED_TRACE(conv);
      auto rows = cluster->query("SELECT cid || ' ' || seq FROM messages WHERE conv = '" +
                                 conv + "' ORDER BY seq");
      std::map<std::string, std::uint64_t> stored;
      std::uint64_t expected_seq = 1;
      for (const auto& row : rows) {
        auto space = row.rfind(' ');
        auto seq = std::stoull(row.substr(space + 1));
        EXPECT_EQ(seq, expected_seq++) << "a gap before seq " << seq;
        EXPECT_TRUE(stored.emplace(row.substr(0, space), seq).second)
            << "cid " << row.substr(0, space) << " is stored twice";
      }
      for (const auto& [cid, seq] : acked) {
        auto it = stored.find(cid);
        ASSERT_NE(it, stored.end()) << "acknowledged " << cid << " is lost";
        EXPECT_EQ(it->second, seq) << cid;
      }
      EXPECT_EQ(stored.size(), acked.size()) << "a message stored that nobody sent";
    }
  }

  std::size_t total_unavailable() const {
    std::size_t n = 0;
    for (const auto& log : logs)
      n += log->unavailable;
    return n;
  }

  pg_cluster::disk disk = pg_cluster::disk::temp_dir;
  std::string tmpfs_size;
  std::string secret = "fault-secret-0123456789";
  std::unique_ptr<pg_cluster> cluster;
  std::unique_ptr<server_process> server;
  std::vector<std::unique_ptr<sender_log>> logs;
  health_log health;
  clock_type::time_point fault_started;
  std::string fault_log; // what parleyd wrote to stderr from the fault on
  clock_type::time_point recovered;
};

TEST_F(pg_faults, stopped_for_seconds_then_started) {
  clock_type::time_point stopped;
  under_load([&] {
    cluster->stop();
    stopped = clock_type::now();
    std::this_thread::sleep_for(std::chrono::seconds{4});
    cluster->start();
  });
  EXPECT_GT(total_unavailable(), 0u) << "sends while it was down are refused";
  EXPECT_TRUE(health.saw(503, stopped, recovered)) << "/healthz while it was down";
  EXPECT_NE(fault_log.find("database unreachable"), std::string::npos) << fault_log;
  EXPECT_NE(fault_log.find("database reachable again"), std::string::npos) << fault_log;
}

TEST_F(pg_faults, restarted_fast) {
  under_load([&] { cluster->restart(); });
}

TEST_F(pg_faults, frozen_longer_than_the_deadline) {
  // Longer than any wait of the server's (reply_bound): without deadlines on the
  // database, sends would hang for the whole freeze.
  clock_type::time_point frozen;
  under_load([&] {
    cluster->freeze();
    frozen = clock_type::now();
    std::this_thread::sleep_for(reply_bound + std::chrono::seconds{2});
    cluster->thaw();
  });
  EXPECT_GT(total_unavailable(), 0u) << "sends while it was frozen are refused";
  EXPECT_TRUE(health.saw(503, frozen, recovered)) << "/healthz while it was frozen";
  EXPECT_NE(fault_log.find("no answer from the database"), std::string::npos)
      << fault_log;
}

// -- a full disk, run by hand ---------------------------------------------------------
//
// Mounting a tmpfs needs root, and the run leaves PostgreSQL PANIC messages in its
// log: not part of the suite. Run with
//   cd build/tests/integration
//   PARLEY_FULL_DISK_TESTS=1 ./pg_faults_integration_tests --gtest_filter='pg_full*'
// docs/testing.md records what happened.

class pg_full_disk : public pg_faults {
protected:
  void SetUp() override {
    if (!std::getenv("PARLEY_FULL_DISK_TESTS"))
      GTEST_SKIP() << "run by hand: PARLEY_FULL_DISK_TESTS=1 (root)";
    if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
    pg_faults::SetUp();
    for (auto& log : logs)
      log->filler = 8000;
  }

  void report(const char* what, clock_type::time_point from, clock_type::time_point to) {
    std::cout << what << ": /healthz " << health_during(from, to) << "; refused "
              << total_unavailable() << " sends\n";
  }

  void TearDown() override {
    if (!IsSkipped()) {
      // What PostgreSQL and parleyd said about it, for the record.
      std::cout << "PostgreSQL's log, errors (count, first line):\n";
      std::ifstream in{cluster->log_path()};
      std::map<std::string, std::pair<int, std::string>> seen;
      for (std::string line; std::getline(in, line);)
        for (const char* level : {"ERROR:", "PANIC:", "FATAL:", "LOG:  database system"})
          if (auto at = line.find(level); at != std::string::npos) {
            auto key = line.substr(at, 60);
            auto& e = seen[key];
            if (e.first++ == 0) e.second = line.substr(at);
          }
      for (const auto& [key, e] : seen)
        std::cout << "  " << e.first << " x " << e.second << "\n";
      auto err = server->stderr_text();
      std::cout << "parleyd's stderr: " << std::count(err.begin(), err.end(), '\n')
                << " lines:\n";
      std::map<std::string, int> lines;
      std::istringstream text{err};
      for (std::string line; std::getline(text, line);)
        ++lines[line.substr(0, 70)];
      for (const auto& [line, n] : lines)
        std::cout << "  " << n << " x " << line << "\n";
    }
    pg_faults::TearDown();
  }
};

class pg_full_tablespace : public pg_full_disk {
protected:
  // The database lives in a tablespace on a 24 MB tmpfs; its WAL has room.
  pg_full_tablespace() {
    disk = pg_cluster::disk::tmpfs_tablespace;
    tmpfs_size = "24m";
  }
};

class pg_full_data_dir : public pg_full_disk {
protected:
  // The whole data directory, WAL included, on a 96 MB tmpfs.
  pg_full_data_dir() {
    disk = pg_cluster::disk::tmpfs_data;
    tmpfs_size = "96m";
  }
};

class pg_full_wal : public pg_full_disk {
protected:
  // Only the WAL (pg_wal) on a 64 MB tmpfs: room for a few 16 MB segments.
  pg_full_wal() {
    disk = pg_cluster::disk::tmpfs_wal;
    tmpfs_size = "64m";
  }
};

TEST_F(pg_full_tablespace, fills_then_space_is_freed) {
  under_load([&] {
    ASSERT_TRUE(refused(1, std::chrono::seconds{120})) << "the disk never filled";
    auto full = clock_type::now();
    std::this_thread::sleep_for(std::chrono::seconds{4});
    report("tablespace full", full, clock_type::now());
    cluster->resize_tmpfs("256m");
  });
}

TEST_F(pg_full_data_dir, fills_then_space_is_freed) {
  under_load([&] {
    ASSERT_TRUE(refused(1, std::chrono::seconds{120})) << "the disk never filled";
    auto full = clock_type::now();
    std::this_thread::sleep_for(std::chrono::seconds{4});
    report("data directory full", full, clock_type::now());
    cluster->resize_tmpfs("512m");
    // PostgreSQL may have stopped itself (a PANIC writing WAL): an operator starts
    // it again once there is room.
    if (!cluster->running()) {
      std::cout << "PostgreSQL stopped itself; starting it again\n";
      cluster->start();
    }
  });
}

TEST_F(pg_full_wal, fills_then_space_is_freed) {
  under_load([&] {
    ASSERT_TRUE(refused(1, std::chrono::seconds{120})) << "the disk never filled";
    auto full = clock_type::now();
    std::this_thread::sleep_for(std::chrono::seconds{4});
    report("WAL full", full, clock_type::now());
    cluster->resize_tmpfs("512m");
    // PostgreSQL may have stopped itself (a PANIC writing WAL): an operator starts
    // it again once there is room.
    if (!cluster->running()) {
      std::cout << "PostgreSQL stopped itself; starting it again\n";
      cluster->start();
    }
  });
}

} // namespace
} // namespace parley::test

// storage::pg::connection under its limits (--db-timeout) against a real
// PostgreSQL: a slow statement is cancelled by the server and the connection stays
// usable; a server that stops answering altogether (its backend stopped with
// SIGSTOP, or a socket nobody serves) costs at most the deadline, the connection is
// given up, and it connects again once the server is back. Nothing waits forever.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "storage/pg.hpp"
#include "tests/integration/harness.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
using storage::pg::connection;
using storage::pg::limits;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

TEST(pg_deadline, a_slow_statement_is_cancelled_and_the_connection_stays_usable) {
  test::test_database db;
  connection c{db.conninfo(), limits::of(1s)};
  ASSERT_TRUE(c.ok()) << c.error();
  auto start = clock_type::now();
  auto r = c.exec("SELECT pg_sleep(30)");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.sqlstate(), "57014") << r.error(); // query_canceled: statement_timeout
  EXPECT_LT(seconds_since(start), 1.9);
  EXPECT_TRUE(c.ok());
  auto again = c.exec("SELECT 1");
  ASSERT_TRUE(again.ok()) << again.error();
  EXPECT_EQ(again.str(0, 0), "1");
}

TEST(pg_deadline, a_server_that_stops_answering_costs_the_deadline_then_reconnects) {
  test::test_database db;
  connection c{db.conninfo(), limits::of(1s)};
  ASSERT_TRUE(c.ok()) << c.error();
  auto pid = c.exec("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok()) << pid.error();
  auto backend = static_cast<pid_t>(pid.i64(0, 0));
  // The backend freezes: the server neither answers nor cancels anything.
  ASSERT_EQ(kill(backend, SIGSTOP), 0) << "cannot stop the backend (run as its owner)";
  auto start = clock_type::now();
  auto r = c.exec("SELECT 1");
  auto waited = seconds_since(start);
  kill(backend, SIGCONT);
  EXPECT_FALSE(r.ok());
  EXPECT_GE(waited, 1.9) << "the client waits a second longer than the server would";
  EXPECT_LT(waited, 3.0);
  EXPECT_FALSE(c.ok()) << "the connection is given up";
  EXPECT_NE(c.error().find("no answer"), std::string::npos) << c.error();
  // Statements on the given-up connection fail at once.
  start = clock_type::now();
  EXPECT_FALSE(c.exec("SELECT 1").ok());
  // And so does reconnecting, for a second after the failure.
  EXPECT_FALSE(c.reset());
  EXPECT_LT(seconds_since(start), 0.5);
  std::this_thread::sleep_for(1100ms);
  ASSERT_TRUE(c.reset()) << c.error();
  auto again = c.exec("SELECT 1");
  ASSERT_TRUE(again.ok()) << again.error();
  auto timeout = c.exec("SHOW statement_timeout");
  ASSERT_TRUE(timeout.ok()) << timeout.error();
  EXPECT_EQ(timeout.str(0, 0), "1s") << "a new connection gets the limit too";
}

TEST(pg_deadline, connecting_to_a_server_that_never_answers_gives_up) {
  // A socket where a server would be, which nobody ever serves: the kernel accepts
  // the connection into its backlog and the startup packet is never answered.
  char dir[] = "/tmp/parley-silent-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  auto path = std::string{dir} + "/.s.PGSQL.5432";
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  path.copy(addr.sun_path, sizeof addr.sun_path - 1);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  auto start = clock_type::now();
  connection c{std::string{"host="} + dir + " port=5432 dbname=x user=x", limits::of(1s)};
  auto waited = seconds_since(start);
  EXPECT_FALSE(c.ok());
  EXPECT_LT(waited, 4.0) << "connect_timeout (2 s) bounds the attempt";
  start = clock_type::now();
  EXPECT_FALSE(c.reset()) << "within a second of the failure: no new attempt";
  EXPECT_LT(seconds_since(start), 0.5);
  close(fd);
  unlink(path.c_str());
  rmdir(dir);
}

TEST(pg_deadline, without_limits_nothing_changes) {
  // Migrations and tools connect without limits: no statement_timeout.
  test::test_database db;
  connection c{db.conninfo()};
  ASSERT_TRUE(c.ok()) << c.error();
  auto timeout = c.exec("SHOW statement_timeout");
  ASSERT_TRUE(timeout.ok()) << timeout.error();
  EXPECT_EQ(timeout.str(0, 0), "0");
  auto script = c.exec_script("SELECT 1; SELECT 2");
  ASSERT_TRUE(script.ok()) << script.error();
  EXPECT_EQ(script.str(0, 0), "2") << "the last result counts, as with PQexec";
}

} // namespace
} // namespace parley

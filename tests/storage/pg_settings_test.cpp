// storage::pg::connection's session settings against a real PostgreSQL: applied
// when it connects and again after a reconnect, refused loudly when PostgreSQL
// does not know them; and the group-commit writer's settings (writer_settings)
// keep its prepared statements on one generic plan, never replanned per call.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/message_queries.hpp"
#include "storage/pg.hpp"
#include "tests/integration/harness.hpp"

namespace parley {
namespace {

using storage::pg::connection;
using storage::pg::setting;

std::string show(connection& c, const std::string& name) {
  auto r = c.exec("SELECT current_setting($1)", {name});
  EXPECT_TRUE(r.ok()) << r.error();
  return r.ok() ? r.str(0, 0) : "";
}

TEST(pg_settings, are_applied_on_connect_and_again_after_a_reconnect) {
  test::test_database db;
  connection c{db.conninfo(), {}, {{"enable_seqscan", "off"}, {"work_mem", "8MB"}}};
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(show(c, "enable_seqscan"), "off");
  EXPECT_EQ(show(c, "work_mem"), "8MB");

  // The server ends the session: the next session must get the settings too.
  connection admin{db.conninfo()};
  auto pid = c.exec("SELECT pg_backend_pid()");
  ASSERT_TRUE(pid.ok()) << pid.error();
  auto killed = admin.exec("SELECT pg_terminate_backend($1::int)", {pid.str(0, 0)});
  ASSERT_TRUE(killed.ok()) << killed.error();
  EXPECT_FALSE(c.exec("SELECT 1").ok());
  ASSERT_TRUE(c.reset()) << c.error();
  EXPECT_NE(c.exec("SELECT pg_backend_pid()").str(0, 0), pid.str(0, 0));
  EXPECT_EQ(show(c, "enable_seqscan"), "off");
  EXPECT_EQ(show(c, "work_mem"), "8MB");
}

TEST(pg_settings, an_unknown_setting_fails_the_connection_with_its_name) {
  test::test_database db;
  connection c{db.conninfo(), {}, {{"enable_teleport", "on"}}};
  EXPECT_FALSE(c.ok());
  EXPECT_NE(c.error().find("enable_teleport"), std::string::npos) << c.error();
}

TEST(pg_settings, the_writer_plans_a_statement_once_and_never_scans_a_table) {
  test::test_database db;
  connection c{db.conninfo(), {}, storage::writer_settings()};
  ASSERT_TRUE(c.ok()) << c.error();
  EXPECT_EQ(show(c, "enable_seqscan"), "off");
  // PostgreSQL's default plans a prepared statement for its parameters on the
  // first five calls and goes on doing so whenever that looks cheaper.
  constexpr storage::pg::statement probe{"settings_probe", "SELECT $1::int + 1"};
  for (int i = 0; i < 8; ++i) {
    auto r = c.exec(probe, {std::to_string(i)});
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r.str(0, 0), std::to_string(i + 1));
  }
  auto plans = c.exec("SELECT generic_plans, custom_plans FROM pg_prepared_statements"
                      " WHERE name = 'settings_probe'");
  ASSERT_TRUE(plans.ok()) << plans.error();
  ASSERT_EQ(plans.rows(), 1);
  EXPECT_EQ(plans.str(0, 0), "8");
  EXPECT_EQ(plans.str(0, 1), "0");
}

} // namespace
} // namespace parley

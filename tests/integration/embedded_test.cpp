// The embedded default: no --db, a private PostgreSQL under the data dir, reused on
// the next start, with a generated token secret that `parleyd token` shares.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <sys/stat.h>

#include "tests/integration/harness.hpp"

namespace parley::test {
namespace {

TEST(embedded, history_survives_a_restart_of_server_and_database) {
  // A 0700 temp dir, as mktemp -d makes: the cluster must still start (as root it
  // runs as the postgres user).
  char tmpl[] = "/tmp/parley-embedded-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  std::string data_dir = std::string{tmpl} + "/data";
  std::string conv;
  {
    server_process server{{"--data-dir", data_dir}, 120s};
    auto secret_file = data_dir + "/token-secret";
    struct stat st {};
    ASSERT_EQ(stat(secret_file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto admin_token =
        run_parleyd({"token", "--user", "ops", "--admin", "--data-dir", data_dir});
    ws_client admin{server.port()};
    ASSERT_TRUE(admin.hello(admin_token).ok());
    protocol::map_builder org;
    org.str("org", "acme").str("name", "Acme");
    ASSERT_TRUE(admin.request("admin.org.put", org).ok());
    protocol::map_builder user;
    user.str("user", "alice")
        .str("org", "acme")
        .str("kind", "staff")
        .str("name", "Alice");
    ASSERT_TRUE(admin.request("admin.user.put", user).ok());

    ws_client alice{server.port()};
    ASSERT_TRUE(
        alice.hello(run_parleyd({"token", "--user", "alice", "--data-dir", data_dir}))
            .ok());
    protocol::map_builder create;
    create.str("kind", "private").str_list("participants", {});
    auto created = alice.request("conv.create", create);
    ASSERT_TRUE(created.ok()) << created.str("message");
    conv = created.sub("conv").str("id");
    protocol::map_builder send;
    send.str("conv", conv).str("cid", "1").str("body", "kept");
    ASSERT_TRUE(alice.request("msg.send", send).ok());
    EXPECT_EQ(server.stop(SIGTERM), 0) << server.stderr_text();
  }
  {
    server_process server{{"--data-dir", data_dir}, 120s};
    ws_client alice{server.port()};
    ASSERT_TRUE(
        alice.hello(run_parleyd({"token", "--user", "alice", "--data-dir", data_dir}))
            .ok());
    protocol::map_builder history;
    history.str("conv", conv);
    auto page = alice.request("msg.history", history);
    ASSERT_TRUE(page.ok()) << page.str("message");
    auto msgs = page.list("messages");
    ASSERT_EQ(msgs.size(), 1u);
    EXPECT_EQ(msgs[0].str("body"), "kept");
    // kill -9 leaves nothing behind that blocks the next start.
    EXPECT_EQ(server.stop(SIGKILL), 128 + SIGKILL);
  }
  {
    server_process server{{"--data-dir", data_dir}, 120s};
    ws_client alice{server.port()};
    ASSERT_TRUE(
        alice.hello(run_parleyd({"token", "--user", "alice", "--data-dir", data_dir}))
            .ok());
    protocol::map_builder history;
    history.str("conv", conv);
    EXPECT_EQ(alice.request("msg.history", history).list("messages").size(), 1u);
    EXPECT_EQ(server.stop(SIGTERM), 0);
  }
  std::filesystem::remove_all(tmpl);
}

} // namespace
} // namespace parley::test

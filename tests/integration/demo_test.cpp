// `parleyd serve --demo` and the page at `/` over real HTTP and WebSockets against a
// real PostgreSQL: the embedded files with their types, nothing else served, the
// demo users and their welcome conversation, once across restarts. (The page
// itself runs in Chromium in tests/js, js.browser.)
#include <gtest/gtest.h>

#include <csignal>

#include "tests/integration/harness.hpp"
#include "tests/integration/http_client.hpp"

namespace parley::test {
namespace {

class demo : public ::testing::Test, public chat_fixture {};

TEST_F(demo, the_page_and_its_modules_are_served_from_the_binary) {
  start();
  struct row {
    std::string path;
    int status;
    std::string type;
    std::string contains;
  };
  const row table[] = {
      {"/", 200, "text/html; charset=utf-8", "<script type=\"module\" src=\"/app.js\">"},
      {"/index.html", 200, "text/html; charset=utf-8", "\"@msgpack/msgpack\""},
      {"/app.js", 200, "text/javascript; charset=utf-8", "from \"./sdk/index.js\""},
      {"/sdk/index.js", 200, "text/javascript; charset=utf-8", "ParleyClient"},
      {"/sdk/client.js", 200, "text/javascript; charset=utf-8", "conv.open"},
      {"/vendor/msgpack/index.mjs", 200, "text/javascript; charset=utf-8", "encode"},
      {"/style.css", 200, "text/css; charset=utf-8", "body"},
      {"/favicon.svg", 200, "image/svg+xml", "<svg"},
      {"/vendor/msgpack/README.md", 404, "text/plain", ""},
      {"/sdk/index.d.ts", 404, "text/plain", ""},
      {"/sdk/", 404, "text/plain", ""},
      {"/../server/main.cpp", 404, "text/plain", ""},
      {"/%2e%2e/CMakeLists.txt", 404, "text/plain", ""},
      {"/app.js/", 404, "text/plain", ""},
  };
  for (const auto& r : table) {
    auto reply = http_call(server->port(), "GET", r.path, "");
    EXPECT_EQ(reply.status, r.status) << r.path;
    EXPECT_EQ(reply.header("Content-Type"), r.type) << r.path;
    EXPECT_NE(reply.body.find(r.contains), std::string::npos) << r.path;
    if (r.status == 200) {
      EXPECT_EQ(reply.header("Cache-Control"), "no-cache") << r.path;
      EXPECT_EQ(reply.header("X-Content-Type-Options"), "nosniff") << r.path;
    }
  }
  auto get = http_call(server->port(), "GET", "/", "");
  auto head = http_call(server->port(), "HEAD", "/", "");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), std::to_string(get.body.size()));
  EXPECT_EQ(http_call(server->port(), "POST", "/", "", "x").status, 405);
  // The other routes are where they were.
  EXPECT_EQ(http_call(server->port(), "GET", "/healthz", "").body, "ok\n");
}

TEST_F(demo, demo_provisions_users_and_one_welcome_conversation_across_restarts) {
  start({"--demo"});
  auto alice = connect_as("alice");
  auto bob = connect_as("bob");
  protocol::map_builder none;
  auto list = bob->request("conv.list", none);
  ASSERT_TRUE(list.ok()) << list.str("message");
  auto items = list.list("items");
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].str("subject"), "Welcome to Parley");
  EXPECT_EQ(items[0].str("org"), "demo");
  EXPECT_EQ(items[0].str_list("participants"),
            (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(items[0].uint("last_seq"), 1u);
  EXPECT_EQ(items[0].uint("unread"), 1u); // alice's welcome message
  auto conv = items[0].str("id");
  alice.reset();
  bob.reset();

  restart(SIGTERM); // the same arguments: --demo again
  EXPECT_EQ(db->query("SELECT count(*) FROM conversations"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(db->query("SELECT count(*) FROM messages"), std::vector<std::string>{"1"});
  EXPECT_EQ(db->query("SELECT id FROM users ORDER BY id"),
            (std::vector<std::string>{"alice", "bob", "carol"}));
  auto carol = connect_as("carol");
  auto again = carol->request("conv.list", none);
  ASSERT_EQ(again.list("items").size(), 1u);
  EXPECT_EQ(again.list("items")[0].str("id"), conv);
}

TEST_F(demo, without_demo_nothing_is_provisioned) {
  start();
  EXPECT_EQ(db->query("SELECT count(*) FROM users"), std::vector<std::string>{"0"});
  EXPECT_EQ(db->query("SELECT count(*) FROM conversations"),
            std::vector<std::string>{"0"});
}

} // namespace
} // namespace parley::test

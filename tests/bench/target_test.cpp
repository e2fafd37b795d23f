// The load tools' --url lists (bench/loadgen/target.hpp): a cluster's nodes, in
// order, each a ws:// target; connection i goes to node i mod N.
#include "bench/loadgen/target.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::bench {
namespace {

TEST(ws_targets, a_list_parses_in_order_and_one_is_a_list_of_one) {
  std::string error;
  auto one = parse_ws_targets("127.0.0.1:8080", error);
  ASSERT_TRUE(one) << error;
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].port, "8080");
  EXPECT_EQ((*one)[0].path, "/v1");
  auto three =
      parse_ws_targets("ws://127.0.0.1:1/v1,127.0.0.1:2,ws://[::1]:3/other", error);
  ASSERT_TRUE(three) << error;
  ASSERT_EQ(three->size(), 3u);
  EXPECT_EQ((*three)[0].port, "1");
  EXPECT_EQ((*three)[1].port, "2");
  EXPECT_EQ((*three)[2].host, "::1");
  EXPECT_EQ((*three)[2].path, "/other");
}

TEST(ws_targets, refuses_empty_items_and_bad_targets) {
  for (const char* bad :
       {"", ",", "127.0.0.1:1,", ",127.0.0.1:1", "127.0.0.1:1,,127.0.0.1:2",
        "127.0.0.1:1,wss://127.0.0.1:2", "127.0.0.1:1,nohost"}) {
    std::string error;
    EXPECT_FALSE(parse_ws_targets(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(ws_targets, connections_go_to_the_nodes_in_turn) {
  std::string error;
  auto nodes = *parse_ws_targets("127.0.0.1:1,127.0.0.1:2,127.0.0.1:3", error);
  std::vector<std::string> ports;
  for (std::size_t i = 0; i < 7; ++i)
    ports.push_back(target_of(nodes, i).port);
  EXPECT_EQ(ports, (std::vector<std::string>{"1", "2", "3", "1", "2", "3", "1"}));
}

} // namespace
} // namespace parley::bench

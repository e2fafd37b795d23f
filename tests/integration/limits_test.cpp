// Limits of docs/protocol.md §11 over real sockets: a flooding connection gets
// `rate_limited` without losing or duplicating anything, and a connection that stops
// reading is cut with 1008 while another subscriber of the same conversation keeps
// receiving every message in order.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>
#include <thread>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include "tests/integration/harness.hpp"
#include "tests/integration/http_client.hpp"

namespace parley::test {
namespace {

class limits : public ::testing::Test, public chat_fixture {};

TEST_F(limits, a_flood_gets_rate_limited_and_loses_nothing) {
  start({"--rate-limit", "20", "--rate-burst", "30"});
  provision({"alice", "bob"});
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  // alice pipelines 120 sends at once: the burst passes, most of the rest is refused.
  std::vector<std::uint64_t> rids;
  for (int i = 0; i < 120; ++i) {
    protocol::map_builder f;
    f.str("conv", conv).str("cid", "f" + std::to_string(i)).str("body", "flood");
    rids.push_back(alice->send_request("msg.send", f));
  }
  std::vector<std::uint64_t> seqs;
  int limited = 0;
  for (auto rid : rids) {
    auto r = alice->wait_reply(rid);
    if (r.ok())
      seqs.push_back(r.uint("seq"));
    else if (r.code() == "rate_limited")
      ++limited;
    else
      ADD_FAILURE() << "unexpected " << r.code() << ": " << r.str("message");
  }
  EXPECT_GE(limited, 60);
  EXPECT_GE(seqs.size(), 29u); // the burst, less the token conv.create took
  // bob, on his own connection, is not limited by alice's flood.
  auto bob = connect_as("bob");
  for (int i = 0; i < 10; ++i) {
    protocol::map_builder f;
    f.str("conv", conv).str("cid", "b" + std::to_string(i)).str("body", "calm");
    auto r = bob->request("msg.send", f);
    ASSERT_TRUE(r.ok()) << r.str("message");
    seqs.push_back(r.uint("seq"));
  }
  // Every accepted send is stored once, seqs gapless from 1.
  protocol::map_builder h;
  h.str("conv", conv).uint("limit", 200);
  auto page = bob->request("msg.history", h).list("messages");
  ASSERT_EQ(page.size(), seqs.size());
  for (std::size_t i = 0; i < page.size(); ++i)
    EXPECT_EQ(page[i].uint("seq"), i + 1);
  // The budget refills: after a pause alice may send again.
  std::this_thread::sleep_for(1s);
  protocol::map_builder again;
  again.str("conv", conv).str("cid", "later").str("body", "after the pause");
  EXPECT_TRUE(alice->request("msg.send", again).ok());
}

TEST_F(limits, a_reader_that_stops_is_cut_and_the_others_keep_up) {
  start({"--rate-limit", "0", "--max-outbound-bytes", "1048576"});
  provision({"alice", "bob", "carol"});
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob", "carol"});
  protocol::map_builder o;
  o.str("conv", conv);
  auto bob = connect_as("bob");     // keeps reading
  auto carol = connect_as("carol"); // stops reading after conv.open
  ASSERT_TRUE(bob->request("conv.open", o).ok());
  ASSERT_TRUE(carol->request("conv.open", o).ok());
  // 19 MiB in all: enough to fill the kernel's socket buffers and then carol's
  // 1 MiB outbound queue. Sent in rounds of 8 so that bob (read by this one
  // thread) keeps up between rounds.
  const std::string body(32 * 1024, 'x');
  const int total = 600;
  const int round = 8;
  for (int start = 0; start < total; start += round) {
    std::vector<std::uint64_t> rids;
    for (int i = start; i < start + round; ++i) {
      protocol::map_builder f;
      f.str("conv", conv).str("cid", "m" + std::to_string(i)).str("body", body);
      rids.push_back(alice->send_request("msg.send", f));
    }
    for (auto rid : rids) {
      auto r = alice->wait_reply(rid);
      ASSERT_TRUE(r.ok()) << r.str("message");
    }
    for (int i = start; i < start + round; ++i) {
      auto p = bob->next_push(10s);
      ASSERT_TRUE(p) << "bob missed message " << i + 1;
      ASSERT_EQ(p->uint("seq"), static_cast<std::uint64_t>(i + 1));
    }
  }
  // carol now drains what the kernel held and then finds the close.
  std::uint64_t last_seen = 0;
  for (int i = 0; i < 2 * total + 10; ++i) { // messages and notifications
    auto r = carol->read(10s);
    if (r.what == read_result::kind::closed) {
      EXPECT_EQ(r.close_code, 1008);
      EXPECT_EQ(r.close_reason, "slow consumer");
      break;
    }
    ASSERT_EQ(r.what, read_result::kind::frame) << "no close for the slow reader";
    if (r.frame.op() != "message") continue; // notify pushes of the same messages
    auto seq = r.frame.uint("seq");
    EXPECT_EQ(seq, last_seen + 1) << "a slow reader still gets messages in order";
    last_seen = seq;
  }
  EXPECT_LT(last_seen, static_cast<std::uint64_t>(total));
  // A reconnect resyncs with conv.open {since}: a page of at most 768 KiB of
  // messages, then `more` says to continue with history.
  auto again = connect_as("carol");
  protocol::map_builder since;
  since.str("conv", conv).uint("since", last_seen);
  auto r = again->request("conv.open", since);
  ASSERT_TRUE(r.ok());
  auto backlog = r.list("messages");
  ASSERT_FALSE(backlog.empty());
  EXPECT_EQ(backlog.front().uint("seq"), last_seen + 1);
  EXPECT_TRUE(r.boolean("more"));
  EXPECT_LT(backlog.size(), 30u);
  // History pages are capped the same way; a backwards page keeps the newest.
  protocol::map_builder h;
  h.str("conv", conv).uint("limit", 200);
  auto page = again->request("msg.history", h);
  ASSERT_TRUE(page.ok());
  auto newest = page.list("messages");
  ASSERT_FALSE(newest.empty());
  EXPECT_LT(newest.size(), 30u);
  EXPECT_EQ(newest.back().uint("seq"), static_cast<std::uint64_t>(total));
  EXPECT_TRUE(page.boolean("more"));
}

/// A client that sends WebSocket pings and never reads, over a raw TCP socket
/// with a small receive buffer, so that nothing reads the pongs behind its back.
class ping_flooder {
public:
  explicit ping_flooder(std::uint16_t port) : socket_(ioc_) {
    namespace asio = boost::asio;
    socket_.open(asio::ip::tcp::v4());
    socket_.set_option(asio::socket_base::receive_buffer_size(4096));
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    std::string upgrade = "GET /v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                          "Connection: Upgrade\r\nSec-WebSocket-Key: "
                          "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    asio::write(socket_, asio::buffer(upgrade));
    asio::streambuf response;
    asio::read_until(socket_, response, "\r\n\r\n");
    std::string head{asio::buffers_begin(response.data()),
                     asio::buffers_end(response.data())};
    upgraded_ = head.rfind("HTTP/1.1 101", 0) == 0;
  }

  bool upgraded() const { return upgraded_; }

  /// Sends pings (125-byte payloads, masked as a client must) until the server
  /// drops the connection or `max_bytes` are sent; returns the bytes sent.
  std::size_t flood(std::size_t max_bytes) {
    std::string frame;
    frame += static_cast<char>(0x89); // FIN, ping
    frame += static_cast<char>(0x80 | 125);
    frame += std::string("\x11\x22\x33\x44", 4);
    for (int i = 0; i < 125; ++i)
      frame += static_cast<char>('p' ^ "\x11\x22\x33\x44"[i % 4]);
    std::string chunk;
    for (int i = 0; i < 64; ++i)
      chunk += frame;
    std::size_t sent = 0;
    boost::system::error_code ec;
    while (sent < max_bytes) {
      sent += boost::asio::write(socket_, boost::asio::buffer(chunk), ec);
      if (ec) break;
    }
    return sent;
  }

private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_;
  bool upgraded_ = false;
};

/// The server's resident memory in KiB.
long rss_kib(pid_t pid) {
  std::ifstream status{"/proc/" + std::to_string(pid) + "/status"};
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// Issue 18: pongs were queued without bound for a client that pings and never
// reads (1.5 GB in 28 s from one connection). They count against the outbound
// bound now, and the connection is closed when it is passed, whether or not the
// client said hello.
TEST_F(limits, pings_that_are_never_read_close_the_connection_not_grow_memory) {
  start({"--max-outbound-bytes", "1048576"});
  provision({"alice", "bob"});
  auto alice = connect_as("alice");
  auto conv = create_private(*alice, {"bob"});
  auto before = rss_kib(server->pid());
  ping_flooder flooder{server->port()};
  ASSERT_TRUE(flooder.upgraded());
  // Kernel buffers on both sides hold a few MiB of pongs before the server's own
  // queue fills; without the bound the flood would run to its end.
  const std::size_t cap = 512u << 20;
  auto sent = flooder.flood(cap);
  EXPECT_LT(sent, cap) << "the server kept accepting pings it could not answer";
  auto after = rss_kib(server->pid());
  EXPECT_LT(after - before, 64 * 1024)
      << "RSS grew from " << before << " to " << after << " KiB";
  // The other connection is untouched.
  protocol::map_builder f;
  f.str("conv", conv).str("cid", "after-flood").str("body", "still here");
  EXPECT_TRUE(alice->request("msg.send", f).ok());
}

// Issue 18: a U+0000 in a text field passed validation, reached libpq and failed
// the whole group commit, other orgs' messages included. Every text field refuses
// it now, and the sends around it commit.
TEST_F(limits, a_nul_in_any_text_field_is_a_bad_request) {
  start({"--rate-limit", "0"});
  provision({"alice", "bob"});
  auto alice = connect_as("alice");
  auto bob = connect_as("bob");
  auto conv = create_private(*alice, {"bob"});
  const std::string nul("hi\0there", 8);
  struct tcase {
    const char* what;
    std::string op;
    std::function<void(protocol::map_builder&)> fill;
    const char* message;
  };
  const std::vector<tcase> cases{
      {"body", "msg.send",
       [&](auto& f) { f.str("conv", conv).str("cid", "n1").str("body", nul); },
       "'body' must not contain U+0000"},
      {"cid", "msg.send",
       [&](auto& f) { f.str("conv", conv).str("cid", nul).str("body", "x"); },
       "'cid' must not contain U+0000"},
      {"subject", "conv.create",
       [&](auto& f) {
         f.str("kind", "group").str("subject", nul).str_list("participants", {"bob"});
       },
       "'subject' must not contain U+0000"},
      {"mention", "msg.send",
       [&](auto& f) {
         f.str("conv", conv)
             .str("cid", "n2")
             .str("body", "x")
             .str_list("mentions", {nul});
       },
       nullptr},
      {"invitation note", "invite.send",
       [&](auto& f) { f.str("email", "eve@globex.test").str("note", nul); },
       "'note' must not contain U+0000"},
  };
  // Bob sends between alice's bad requests, pipelined with them.
  int n = 0;
  for (const auto& c : cases) {
    protocol::map_builder f;
    c.fill(f);
    auto bad = alice->send_request(c.op, f);
    protocol::map_builder good;
    good.str("conv", conv).str("cid", "b" + std::to_string(n++)).str("body", "fine");
    auto ok = bob->send_request("msg.send", good);
    auto r = alice->wait_reply(bad);
    EXPECT_EQ(r.code(), "bad_request") << c.what;
    if (c.message) {
      EXPECT_EQ(r.str("message"), c.message) << c.what;
    }
    EXPECT_TRUE(bob->wait_reply(ok).ok()) << c.what;
  }
  protocol::map_builder h;
  h.str("conv", conv);
  EXPECT_EQ(bob->request("msg.history", h).list("messages").size(), cases.size());
}

/// The server's CPU time so far (user + system), in clock ticks.
long cpu_ticks(pid_t pid) {
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text{std::istreambuf_iterator<char>{stat}, {}};
  std::istringstream fields{text.substr(text.rfind(')') + 2)};
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {
    if (i == 14) utime = std::stol(f);
    if (i == 15) {
      stime = std::stol(f);
      break;
    }
  }
  return utime + stime;
}

/// The state letter of a process (R, S, Z, ...), '?' when it is gone.
char process_state(pid_t pid) {
  std::ifstream stat{"/proc/" + std::to_string(pid) + "/stat"};
  std::string text{std::istreambuf_iterator<char>{stat}, {}};
  auto paren = text.rfind(')');
  return paren == std::string::npos || paren + 2 >= text.size() ? '?' : text[paren + 2];
}

/// Open file descriptors of a process.
long open_fds(pid_t pid) {
  long n = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator{"/proc/" + std::to_string(pid) + "/fd"})
    ++n;
  return n;
}

// Issue 18: at the process's open-file limit the accept loop retried at once: 94%
// of a core and one log line per attempt while new clients timed out. It pauses
// now, logs at most every 10 s, and accepts again once descriptors are free.
TEST_F(limits, running_out_of_file_descriptors_pauses_accepts_without_spinning) {
#if defined(__SANITIZE_ADDRESS__)
  // The sanitizers need descriptors of their own: on a miss of its type cache,
  // UBSan's vptr check asks whether a vtable is readable by writing it into a pipe
  // (sanitizer_common's IsAccessibleMemoryRange); at the limit the pipe fails, the
  // object is reported as not of its type (CAF's mailbox_element.hpp), and
  // halt_on_error stops parleyd. No suppression can match: the type is unknown once
  // the vtable is deemed unreadable. The test runs in every plain build.
  GTEST_SKIP() << "a sanitized parleyd cannot run out of descriptors (docs/testing.md)";
#endif
  start();
  provision({"alice"});
  auto pid = server->pid();
  auto limit = open_fds(pid) + 4;
  auto set_limit = [&](long n) {
    // The soft limit only: raising it again needs no privilege.
    auto cmd =
        "prlimit --pid " + std::to_string(pid) + " --nofile=" + std::to_string(n) + ":";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  };
  set_limit(limit);
  // More clients than descriptors: the kernel completes their handshakes in the
  // backlog; the server's accepts fail with EMFILE.
  boost::asio::io_context ioc;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::socket>> crowd;
  for (int i = 0; i < 20; ++i) {
    crowd.push_back(std::make_unique<boost::asio::ip::tcp::socket>(ioc));
    crowd.back()->connect({boost::asio::ip::make_address("127.0.0.1"), server->port()});
  }
  std::this_thread::sleep_for(300ms);
  auto before = cpu_ticks(pid);
  std::this_thread::sleep_for(2s);
  auto spent = cpu_ticks(pid) - before; // clock ticks: 100 a second
  EXPECT_LT(spent, 40) << "the accept loop spun: " << spent << " ticks in 2 s";
  auto log = server->stderr_text();
  std::size_t lines = 0;
  for (auto at = log.find("pausing accepts"); at != std::string::npos;
       at = log.find("pausing accepts", at + 1))
    ++lines;
  EXPECT_GE(lines, 1u);
  EXPECT_LE(lines, 2u) << log.substr(0, 2000);
  // Descriptors back: new clients are served again.
  crowd.clear();
  set_limit(4096);
  // A refused connect here means the listener is gone: say whether parleyd still
  // runs and what it wrote (an ASan run once failed here and left no trace).
  std::unique_ptr<ws_client> alice;
  try {
    alice = connect_as("alice");
  } catch (const std::exception& e) {
    FAIL() << "connect after the limit was raised: " << e.what() << "; parleyd "
           << (process_state(pid) == 'Z' || process_state(pid) == '?' ? "has exited"
                                                                      : "still runs")
           << "; its stderr:\n"
           << server->stderr_text().substr(0, 4000);
  }
  EXPECT_TRUE(alice->request("conv.list").ok());
}

/// Sends a WebSocket upgrade to /v1 by hand and returns what comes back until
/// the server closes the connection (or 5 s pass).
std::string raw_upgrade(std::uint16_t port) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket sock{ioc};
  sock.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  std::string req =
      "GET /v1 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n";
  boost::asio::write(sock, boost::asio::buffer(req));
  timeval tv{5, 0};
  setsockopt(sock.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string got;
  char buf[4096];
  for (;;) {
    boost::system::error_code ec;
    auto n = sock.read_some(boost::asio::buffer(buf), ec);
    got.append(buf, n);
    if (ec) break; // end of stream (closed) or the timeout
  }
  return got;
}

TEST_F(limits, past_max_connections_an_upgrade_gets_503_and_the_others_keep_working) {
  start({"--max-connections", "2"});
  provision({"alice"});
  auto first = connect_as("alice");
  auto second = connect_as("alice");
  auto refused = raw_upgrade(server->port());
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find("Retry-After: 5"), std::string::npos) << refused;
  EXPECT_NE(refused.find("Connection: close"), std::string::npos) << refused;
  EXPECT_TRUE(first->request("conv.list").ok());
  EXPECT_TRUE(second->request("conv.list").ok());
  auto metrics = http_call(server->port(), "GET", "/metrics", "");
  EXPECT_NE(metrics.body.find("parley_connections_refused_total 1"), std::string::npos);
  // A connection closes: there is room again.
  first.reset();
  std::unique_ptr<ws_client> third;
  for (int i = 0; i < 50 && !third; ++i) {
    std::this_thread::sleep_for(100ms);
    auto open = http_call(server->port(), "GET", "/metrics", "").body;
    if (open.find("\nparley_connections 1\n") != std::string::npos)
      third = connect_as("alice");
  }
  ASSERT_TRUE(third) << "the closed connection was never counted out";
  EXPECT_TRUE(third->request("conv.list").ok());
}

} // namespace
} // namespace parley::test

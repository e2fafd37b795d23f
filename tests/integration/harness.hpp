#pragma once

// Test support for integration tests: a fresh PostgreSQL database per test (inside
// the cluster named by the PG* variables, see scripts/with-private-pg), the real parleyd
// as a child process, and a synchronous WebSocket client speaking the protocol.

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <msgpack.hpp>
#include <sys/types.h>

#include "protocol/codec.hpp"

namespace parley::test {

using namespace std::chrono_literals;

/// A database created for one test and dropped afterwards.
class test_database {
public:
  test_database();
  ~test_database();
  /// The libpq connection string for parleyd (host etc. come from PG* variables).
  const std::string& conninfo() const { return conninfo_; }
  const std::string& name() const { return name_; }
  /// Runs SQL and returns the first column of every row.
  std::vector<std::string> query(const std::string& sql) const;

private:
  std::string name_;
  std::string conninfo_;
};

/// parleyd running as a child process.
class server_process {
public:
  /// Starts `parleyd serve --listen 127.0.0.1:0 <args>` and waits for "listening on".
  explicit server_process(std::vector<std::string> args,
                          std::chrono::milliseconds startup = 60s);
  ~server_process();

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  /// Sends `sig` and waits for the exit; returns the exit status (128+n: signal).
  int stop(int sig);
  /// What the server wrote to stderr so far (for failure messages).
  std::string stderr_text() const;

private:
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::string err_file_;
};

/// Path of the parleyd binary under test.
std::string parleyd_path();

/// Runs `parleyd <args>` to completion and returns its stdout (trimmed).
std::string run_parleyd(const std::vector<std::string>& args);

/// A decoded frame received from the server.
class frame_view {
public:
  frame_view() = default;
  explicit frame_view(std::string bytes);
  const msgpack::object& root() const { return handle_->get(); }
  const msgpack::object* find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key) != nullptr; }
  std::string str(std::string_view key) const;
  std::uint64_t uint(std::string_view key) const;
  std::int64_t sint(std::string_view key) const;
  bool boolean(std::string_view key) const;
  bool ok() const { return has("ok") && boolean("ok"); }
  std::string op() const { return str("op"); }
  std::string code() const { return has("code") ? str("code") : ""; }
  /// A nested map field.
  frame_view sub(std::string_view key) const;
  /// An array field of maps.
  std::vector<frame_view> list(std::string_view key) const;
  std::vector<std::string> str_list(std::string_view key) const;

private:
  std::shared_ptr<msgpack::object_handle> handle_;
  std::shared_ptr<std::string> bytes_;
  const msgpack::object* obj_ = nullptr;
};

/// How a read ended.
struct read_result {
  enum class kind { frame, closed, timeout } what = kind::timeout;
  frame_view frame;
  std::uint16_t close_code = 0;
  std::string close_reason;
};

/// A blocking WebSocket client for tests.
class ws_client {
public:
  explicit ws_client(std::uint16_t port, std::string path = "/v1");
  ~ws_client();

  void send_raw(const std::string& bytes);
  void send_text(const std::string& text);
  void send(const protocol::map_builder& fields); // adds nothing: the caller sets op/rid

  /// The next frame (reply or push), or how the connection ended.
  read_result read(std::chrono::milliseconds timeout = 10s);

  /// Sends {op, rid, ...fields} and returns the reply with that rid; pushes read
  /// meanwhile are kept for next_push().
  frame_view request(const std::string& op, protocol::map_builder& fields,
                     std::chrono::milliseconds timeout = 20s);
  frame_view request(const std::string& op) {
    protocol::map_builder none;
    return request(op, none);
  }

  /// Sends without waiting; returns the rid used.
  std::uint64_t send_request(const std::string& op, protocol::map_builder& fields);
  /// Waits for the reply to `rid`.
  frame_view wait_reply(std::uint64_t rid, std::chrono::milliseconds timeout = 20s);

  /// The next push (kept or newly read); nullopt on timeout or close.
  std::optional<frame_view> next_push(std::chrono::milliseconds timeout = 5s);

  /// hello with `token`; returns the reply.
  frame_view hello(const std::string& token);

  /// `notify` pushes (docs/protocol.md §7) reach every connection of a participant that
  /// does not have the conversation open; most tests watch the conversation's own
  /// pushes and drop them.
  bool keep_notify = false;

  /// Waits for the server to close the connection; returns its close code.
  read_result wait_close(std::chrono::milliseconds timeout = 10s);

private:
  bool wanted(const frame_view& push) const;

  boost::asio::io_context ioc_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  boost::beast::flat_buffer buffer_;
  // A read that timed out stays in flight; the next read() waits for it, so a
  // timeout never breaks the connection.
  bool read_pending_ = false;
  bool read_done_ = false;
  boost::beast::error_code read_ec_;
  std::deque<frame_view> pushes_;
  std::deque<frame_view> replies_;
  std::uint64_t next_rid_ = 1;
};

/// Signs a token with `secret` (tests know the server's secret).
std::string token_for(const std::string& secret, const std::string& user,
                      bool admin = false, std::int64_t ttl_seconds = 3600);

/// Provisions org "acme" and the given staff users through `admin`, an admin
/// connection; throws unless every put succeeds.
void provision_acme(ws_client& admin, const std::vector<std::string>& users);

/// A running server on a fresh database with an org "acme" and staff users
/// alice, bob, carol provisioned, plus the secret and an admin client.
struct chat_fixture {
  std::string secret = "test-secret-0123456789";
  std::unique_ptr<test_database> db;
  std::unique_ptr<server_process> server;
  std::unique_ptr<ws_client> admin_client;
  std::vector<std::string> server_args; // kept for restart()

  /// Starts parleyd on the fixture's database with `extra_args`.
  void start(std::vector<std::string> extra_args = {});
  /// Stops the server with `sig` and starts it again with the same arguments.
  void restart(int sig);
  std::unique_ptr<ws_client> connect_as(const std::string& user, bool admin = false);
  /// Provisions org "acme" and the given staff users through an admin connection.
  void provision(const std::vector<std::string>& users);
  /// Runs an admin op on a shared admin connection; throws unless it succeeds.
  frame_view admin(const std::string& op, protocol::map_builder& fields);
  /// Creates a private conversation of `creator` with `others`; returns its id.
  std::string create_private(ws_client& creator, const std::vector<std::string>& others);
};

} // namespace parley::test

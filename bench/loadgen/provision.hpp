#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "bench/loadgen/ws_client.hpp"
#include "protocol/codec.hpp"

// Setup shared by the scenario runners (parley-fanout, parley-mixed): minting the
// tokens, `hello`, setup requests retried while the server answers rate_limited or
// unavailable, and running many setup tasks with a bounded number in flight.
namespace parley::bench {

/// The subject of the admin token every bench tool mints.
inline constexpr std::string_view admin_subject = "parley-bench";

/// Throws usage_error unless `org` (--org) is a valid id and `prefix` (--user-prefix)
/// leaves room for the numbers appended to it.
void check_org_and_prefix(const std::string& org, const std::string& prefix);

/// Tokens minted for a run are valid this long past its own timeout.
std::int64_t token_expiry(double timeout_seconds);

/// An HS256 admin token (`sub: parley-bench`, `adm: true`) expiring at `exp`.
std::string mint_admin_token(const std::string& secret, std::int64_t exp);

/// An HS256 user token for `user` expiring at `exp`.
std::string mint_user_token(const std::string& secret, const std::string& user,
                            std::int64_t exp);

/// Microseconds of `d`, 0 when negative.
std::uint64_t micros(ws_client::clock::duration d);

/// `s` seconds as a steady-clock duration.
ws_client::clock::duration secs(double s);

/// "code: message" of an error reply.
std::string describe(const ws_client::reply& r);

/// Runs task(i, done) for i in [0, n), at most `width` at once, each on the
/// io_context where(i) names; all_done runs once every task called its done.
void windowed(std::size_t n, std::size_t width,
              std::function<boost::asio::io_context&(std::size_t)> where,
              std::function<void(std::size_t, std::function<void()>)> task,
              std::function<void()> all_done);

/// `hello` and setup requests of one run. A refusal that is not worth retrying (or
/// still refused after 20 attempts with a growing pause) calls `abort` with one
/// line saying what failed.
class setup_client {
public:
  using abort_fn = std::function<void(const std::string& why)>;
  using fields_fn = std::function<void(protocol::map_builder&)>;
  using ok_fn = std::function<void(const ws_client::reply&)>;

  /// `device` goes into every hello.
  setup_client(std::string device, abort_fn abort);

  /// `hello {token, device}`; `next` runs on its ok reply.
  void hello(ws_client& c, const std::string& token, const std::string& who,
             std::function<void()> next) const;

  /// `op` with `fields`; `on_ok` gets the ok reply. rate_limited and unavailable
  /// are retried; `what` names the request in the failure line.
  void request(std::shared_ptr<ws_client> c, std::string op, fields_fn fields,
               std::string what, ok_fn on_ok, unsigned attempt = 1) const;

private:
  std::string device_;
  abort_fn abort_;
};

/// On `admin` (not yet connected; the caller keeps it alive): connects, says hello
/// with `admin_token`, calls `on_hello`, then `admin.org.put {org, name: org}` and,
/// once it is answered (users reference the org, and pipelined requests may be
/// handled in any order), `admin.user.put {user, org, kind: staff, name: user}` for
/// every user, at most `window` in flight; then closes `admin` and calls `done`.
void provision_org_and_users(boost::asio::io_context& ioc, ws_client& admin,
                             const std::string& admin_token, const std::string& org,
                             std::vector<std::string> users, std::size_t window,
                             const setup_client& setup, std::function<void()> on_hello,
                             std::function<void()> done);

} // namespace parley::bench

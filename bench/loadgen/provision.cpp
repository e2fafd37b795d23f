#include "bench/loadgen/provision.hpp"

#include <algorithm>
#include <atomic>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/common/cli.hpp"
#include "protocol/jwt.hpp"
#include "protocol/limits.hpp"

namespace parley::bench {

namespace asio = boost::asio;
using clock = ws_client::clock;

namespace {

constexpr unsigned max_setup_attempts = 20;
constexpr auto setup_backoff_step = std::chrono::milliseconds(250);

bool retriable(std::string_view code) {
  return code == "rate_limited" || code == "unavailable";
}

} // namespace

void check_org_and_prefix(const std::string& org, const std::string& prefix) {
  if (org.empty() || org.size() > protocol::limits::max_id_bytes)
    throw usage_error("--org must be 1..128 bytes");
  if (prefix.empty() || prefix.size() > 100)
    throw usage_error("--user-prefix must be 1..100 bytes");
}

std::int64_t token_expiry(double timeout_seconds) {
  const auto now = std::chrono::system_clock::now();
  return std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch())
             .count() +
         static_cast<std::int64_t>(timeout_seconds) + 3600;
}

std::string mint_admin_token(const std::string& secret, std::int64_t exp) {
  return protocol::sign_token(
      {.sub = std::string{admin_subject}, .exp = exp, .admin = true}, secret);
}

std::string mint_user_token(const std::string& secret, const std::string& user,
                            std::int64_t exp) {
  return protocol::sign_token({.sub = user, .exp = exp, .admin = false}, secret);
}

std::uint64_t micros(clock::duration d) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
}

clock::duration secs(double s) {
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(s));
}

std::string describe(const ws_client::reply& r) {
  return std::string{r.code} + ": " + std::string{r.message};
}

void windowed(std::size_t n, std::size_t width,
              std::function<asio::io_context&(std::size_t)> where,
              std::function<void(std::size_t, std::function<void()>)> task,
              std::function<void()> all_done) {
  struct state {
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> remaining{0};
    std::function<asio::io_context&(std::size_t)> where;
    std::function<void(std::size_t, std::function<void()>)> task;
    std::function<void()> all_done;
    std::function<void()> launch;
  };
  if (n == 0) return all_done();
  auto s = std::make_shared<state>();
  s->remaining = n;
  s->where = std::move(where);
  s->task = std::move(task);
  s->all_done = std::move(all_done);
  std::weak_ptr<state> weak = s;
  s->launch = [weak, n] {
    auto s = weak.lock();
    if (!s) return;
    const auto i = s->next.fetch_add(1);
    if (i >= n) return;
    asio::post(s->where(i), [s, i] {
      s->task(i, [s] {
        if (s->remaining.fetch_sub(1) == 1) {
          auto done = std::move(s->all_done);
          return done();
        }
        s->launch();
      });
    });
  };
  for (std::size_t k = 0; k < std::min(width, n); ++k)
    s->launch();
}

setup_client::setup_client(std::string device, abort_fn abort)
    : device_(std::move(device)), abort_(std::move(abort)) {}

void setup_client::hello(ws_client& c, const std::string& token, const std::string& who,
                         std::function<void()> next) const {
  protocol::map_builder f;
  f.str("token", token).str("device", device_);
  c.request("hello", f, [this, who, next = std::move(next)](const ws_client::reply& r) {
    if (r.ok) return next();
    std::string why = "hello as " + who + " refused: " + describe(r);
    if (r.code == "unauthenticated") why += " (is --secret the server's token secret?)";
    abort_(why);
  });
}

void setup_client::request(std::shared_ptr<ws_client> c, std::string op, fields_fn fields,
                           std::string what, ok_fn on_ok, unsigned attempt) const {
  protocol::map_builder b;
  fields(b);
  std::weak_ptr<ws_client> weak = c;
  c->request(
      op, b,
      [this, weak, op, fields = std::move(fields), what = std::move(what),
       on_ok = std::move(on_ok), attempt](const ws_client::reply& r) mutable {
        if (r.ok) return on_ok(r);
        auto c = weak.lock();
        if (!c || !retriable(r.code) || attempt >= max_setup_attempts)
          return abort_(what + " failed: " + describe(r));
        auto timer = std::make_shared<asio::steady_timer>(c->executor(),
                                                          setup_backoff_step * attempt);
        timer->async_wait([this, timer, c, op = std::move(op), fields = std::move(fields),
                           what = std::move(what), on_ok = std::move(on_ok),
                           attempt](boost::system::error_code ec) mutable {
          if (ec) return;
          request(c, std::move(op), std::move(fields), std::move(what), std::move(on_ok),
                  attempt + 1);
        });
      });
}

void provision_org_and_users(asio::io_context& ioc, ws_client& admin,
                             const std::string& admin_token, const std::string& org,
                             std::vector<std::string> users, std::size_t window,
                             const setup_client& setup, std::function<void()> on_hello,
                             std::function<void()> done) {
  auto put_users = [&ioc, &admin, org, users = std::move(users), window, &setup,
                    done = std::move(done)](const ws_client::reply&) {
    auto ids = std::make_shared<const std::vector<std::string>>(std::move(users));
    windowed(
        ids->size(), window, [&ioc](std::size_t) -> asio::io_context& { return ioc; },
        [&admin, &setup, org, ids](std::size_t i, std::function<void()> one_done) {
          const auto& user = (*ids)[i];
          setup.request(
              admin.shared_from_this(), "admin.user.put",
              [org, user](auto& b) {
                b.str("user", user)
                    .str("org", org)
                    .str("kind", "staff")
                    .str("name", user);
              },
              "admin.user.put " + user,
              [one_done](const ws_client::reply&) { one_done(); });
        },
        [&admin, done] {
          admin.close([] {});
          done();
        });
  };
  admin.connect([&admin, &setup, admin_token, org, on_hello = std::move(on_hello),
                 put_users = std::move(put_users)]() mutable {
    setup.hello(admin, admin_token, std::string{admin_subject} + " (admin token)",
                [&admin, &setup, org, on_hello = std::move(on_hello),
                 put_users = std::move(put_users)]() mutable {
                  on_hello();
                  setup.request(
                      admin.shared_from_this(), "admin.org.put",
                      [org](auto& b) { b.str("org", org).str("name", org); },
                      "admin.org.put " + org, std::move(put_users));
                });
  });
}

} // namespace parley::bench

// parley-connections: the connections scenario of the load generator (issue 8,
// bench/README.md). Opens N idle authenticated WebSocket connections to one server and
// reports the server's resident memory per connection and the time to connect them.
//
// Every connection lives on one io_context on one thread: connect, handshake and
// hello are asynchronous, at most --setup-window of them in flight, so the tool holds
// 100k connections without a thread (or a stack) per connection.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <sys/resource.h>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/common/cli.hpp"
#include "bench/common/cpu_time.hpp"
#include "bench/common/json_line.hpp"
#include "bench/loadgen/target.hpp"
#include "bench/loadgen/ws_client.hpp"
#include "protocol/jwt.hpp"

namespace {

using namespace parley;
using namespace parley::bench;
namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;
using reply = ws_client::reply;

constexpr std::string_view usage =
    R"(usage: parley-connections --url ws://HOST:PORT/v1 --secret S --server-pid PID [options]

Provisions U users (unless --no-provision), then opens N WebSocket connections, each
authenticated with `hello` as user i % U, and leaves them idle. Reports the server's
VmRSS (/proc/PID/status) before the first connect and --settle-seconds after the last
hello reply, the difference per connection, and the time to connect them all.

  --url URL               ws://HOST:PORT[/PATH] or HOST:PORT (path defaults to /v1)
  --secret S              the server's token secret (HS256); the tool mints its tokens
  --server-pid PID        the server process whose VmRSS is read
  --connections N         connections to open                               [10000]
  --users U               users to provision and spread the connections over  [N]
  --no-provision          skip admin.org.put / admin.user.put (a peer that checks
                          no user)
  --no-hello              stop after the WebSocket handshake (no hello, no session
                          actor): the transport's share of the figure. parleyd
                          closes such connections after 10 s, so settle less
  --org NAME              org to provision                                   [conns]
  --user-prefix P         user ids are P<i>                                      [c]
  --source-base A.B.C.D   first source address                         [127.0.0.2]
  --source-addresses K    spread connections over K consecutive source addresses
                          (each has ~28k ephemeral ports)                        [8]
  --setup-window W        connects + hellos (and user puts) in flight          [512]
  --settle-seconds S      wait after the last hello before reading VmRSS         [2]
  --timeout S             abort the whole run after S seconds                  [300]
  --json                  also print one JSON line with the figures
  --help

The tool raises its own open-file limit to N + 64 when it can (root may raise the hard
limit). exit status: 0 done; 1 failed or timed out; 2 usage.
)";

constexpr option_spec specs[] = {
    {"url", true},
    {"secret", true},
    {"server-pid", true},
    {"connections", true},
    {"users", true},
    {"no-provision", false},
    {"no-hello", false},
    {"org", true},
    {"user-prefix", true},
    {"source-base", true},
    {"source-addresses", true},
    {"setup-window", true},
    {"settle-seconds", true},
    {"timeout", true},
    {"json", false},
    {"help", false},
};

constexpr unsigned max_setup_attempts = 20;

/// VmRSS of `pid` in KiB, or -1 when it cannot be read.
long rss_kib(int pid) {
  std::ifstream in("/proc/" + (pid > 0 ? std::to_string(pid) : std::string{"self"}) +
                   "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

/// Raises RLIMIT_NOFILE to at least `want` (soft and, when allowed, hard).
void raise_fd_limit(rlim_t want) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur >= want) return;
  rlimit wanted{want, std::max(want, lim.rlim_max)};
  if (setrlimit(RLIMIT_NOFILE, &wanted) == 0) return;
  lim.rlim_cur = lim.rlim_max; // not root: as far as the hard limit goes
  if (setrlimit(RLIMIT_NOFILE, &lim) != 0) std::perror("setrlimit(RLIMIT_NOFILE)");
}

struct options {
  ws_target target;
  std::string secret;
  int server_pid = 0;
  std::size_t connections = 0;
  std::size_t users = 0;
  bool provision = true;
  bool hello = true;
  std::string org;
  std::string user_prefix;
  std::uint32_t source_base = 0;
  std::size_t source_addresses = 0;
  std::size_t window = 0;
  double settle_seconds = 0;
  double timeout_seconds = 0;
  bool json = false;
};

/// Runs `task(i, done)` for i in [0, n), at most `width` at once, then `all_done`.
/// Single-threaded: every call happens on the io_context's one thread.
class windowed {
public:
  using task_fn = std::function<void(std::size_t, std::function<void()>)>;
  windowed(std::size_t n, std::size_t width, task_fn task, std::function<void()> all_done)
      : n_(n), width_(std::max<std::size_t>(1, width)), task_(std::move(task)),
        all_done_(std::move(all_done)) {}

  void start() {
    if (n_ == 0) return all_done_();
    while (next_ < n_ && next_ < width_)
      launch();
  }

private:
  void launch() {
    const auto i = next_++;
    task_(i, [this] {
      if (++finished_ == n_) return all_done_();
      if (next_ < n_) launch();
    });
  }

  std::size_t n_, width_, next_ = 0, finished_ = 0;
  task_fn task_;
  std::function<void()> all_done_;
};

class runner {
public:
  explicit runner(const options& o) : o_(o), timeout_(ioc_), settle_(ioc_) {
    const auto exp = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count() +
                     static_cast<std::int64_t>(o.timeout_seconds) + 3600;
    admin_token_ = protocol::sign_token(
        {.sub = "parley-bench", .exp = exp, .admin = true}, o.secret);
    tokens_.reserve(o.users);
    for (std::size_t u = 0; u < o.users; ++u)
      tokens_.push_back(
          protocol::sign_token({.sub = user(u), .exp = exp, .admin = false}, o.secret));
    clients_.resize(o.connections);
  }

  /// 0 done, 1 failed.
  int run() {
    timeout_.expires_after(std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(o_.timeout_seconds)));
    timeout_.async_wait([this](boost::system::error_code ec) {
      if (!ec)
        abort("timed out after " + std::to_string(o_.timeout_seconds) + " s while " +
              phase_);
    });
    asio::post(ioc_, [this] { o_.provision ? provision() : measure_before(); });
    ioc_.run();
    if (!failure_.empty()) {
      std::fprintf(stderr, "parley-connections: %s\n", failure_.c_str());
      return 1;
    }
    report();
    return 0;
  }

private:
  std::string user(std::size_t u) const { return o_.user_prefix + std::to_string(u); }

  void provision() {
    phase_ = "provisioning";
    admin_ = std::make_shared<ws_client>(ioc_, o_.target, "admin connection", fail_fn());
    admin_->connect([this] {
      hello(*admin_, admin_token_, [this] {
        request(
            admin_, "admin.org.put",
            [this](protocol::map_builder& b) {
              b.str("org", o_.org).str("name", o_.org);
            },
            [this] { put_users(); });
      });
    });
  }

  void put_users() {
    puts_ = std::make_unique<windowed>(
        o_.users, o_.window,
        [this](std::size_t u, std::function<void()> done) {
          request(
              admin_, "admin.user.put",
              [this, u](protocol::map_builder& b) {
                b.str("user", user(u))
                    .str("org", o_.org)
                    .str("kind", "staff")
                    .str("name", user(u));
              },
              std::move(done));
        },
        [this] { admin_->close([this] { measure_before(); }); });
    puts_->start();
  }

  void measure_before() {
    phase_ = "settling before the connects";
    settle_.expires_after(std::chrono::seconds(1));
    settle_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      rss_before_ = rss_kib(o_.server_pid);
      self_before_ = rss_kib(0);
      if (rss_before_ < 0)
        return abort("cannot read VmRSS of pid " + std::to_string(o_.server_pid));
      connect_all();
    });
  }

  void connect_all() {
    phase_ = "connecting";
    t0_ = clock_type::now();
    cpu_start_ = tree_cpu_seconds(o_.server_pid);
    connects_ = std::make_unique<windowed>(
        o_.connections, o_.window,
        [this](std::size_t i, std::function<void()> done) {
          auto c = std::make_shared<ws_client>(
              ioc_, o_.target, "connection " + std::to_string(i), fail_fn());
          const auto k = static_cast<std::uint32_t>(i % o_.source_addresses);
          c->bind_source(asio::ip::address_v4{o_.source_base + k});
          clients_[i] = c;
          c->connect([this, i, done = std::move(done)] {
            if (!o_.hello) return done();
            hello(*clients_[i],
                  tokens_.empty() ? admin_token_ : tokens_[i % tokens_.size()],
                  std::move(done));
          });
        },
        [this] { connected(); });
    connects_->start();
  }

  void connected() {
    connect_seconds_ = std::chrono::duration<double>(clock_type::now() - t0_).count();
    cpu_connect_ = tree_cpu_seconds(o_.server_pid) - cpu_start_;
    phase_ = "settling after the connects";
    settle_.expires_after(std::chrono::duration_cast<clock_type::duration>(
        std::chrono::duration<double>(o_.settle_seconds)));
    settle_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      rss_after_ = rss_kib(o_.server_pid);
      self_after_ = rss_kib(0);
      if (rss_after_ < 0)
        return abort("the server (pid " + std::to_string(o_.server_pid) + ") is gone");
      stop();
    });
  }

  void hello(ws_client& c, const std::string& token, std::function<void()> next) {
    protocol::map_builder f;
    f.str("token", token).str("device", "parley-connections");
    const std::string who = c.name();
    c.request("hello", f, [this, who, next = std::move(next)](const reply& r) {
      if (r.ok) return next();
      abort("hello on " + who + " refused: " + std::string{r.code} + ": " +
            std::string{r.message});
    });
  }

  void request(std::shared_ptr<ws_client> c, std::string op,
               std::function<void(protocol::map_builder&)> fields,
               std::function<void()> on_ok, unsigned attempt = 1) {
    protocol::map_builder b;
    fields(b);
    c->request(op, b,
               [this, c, op, fields = std::move(fields), on_ok = std::move(on_ok),
                attempt](const reply& r) mutable {
                 if (r.ok) return on_ok();
                 const bool retry = r.code == "unavailable" || r.code == "rate_limited";
                 if (!retry || attempt >= max_setup_attempts)
                   return abort(op + " failed: " + std::string{r.code} + ": " +
                                std::string{r.message});
                 auto t = std::make_shared<asio::steady_timer>(
                     ioc_, std::chrono::milliseconds(50) * attempt);
                 t->async_wait([this, t, c, op, fields = std::move(fields),
                                on_ok = std::move(on_ok),
                                attempt](boost::system::error_code ec) mutable {
                   if (!ec)
                     request(c, op, std::move(fields), std::move(on_ok), attempt + 1);
                 });
               });
  }

  ws_client::fail_handler fail_fn() {
    return [this](const std::string& what) { abort(what); };
  }

  void abort(const std::string& why) {
    if (!failure_.empty() || stopped_) return;
    std::size_t open = 0;
    for (const auto& c : clients_)
      open += c ? 1 : 0;
    failure_ =
        why + " (" + phase_ + "; " + std::to_string(open) + " connections started)";
    stop();
  }

  /// Ends the run: the sockets close when the clients are destroyed with the process.
  void stop() {
    stopped_ = true;
    timeout_.cancel();
    settle_.cancel();
    ioc_.stop();
  }

  void report() const {
    const double n = static_cast<double>(o_.connections);
    const double per_conn = static_cast<double>(rss_after_ - rss_before_) * 1024.0 / n;
    const double self_per_conn =
        static_cast<double>(self_after_ - self_before_) * 1024.0 / n;
    std::printf("connections             %zu (users %zu, %zu source addresses%s)\n",
                o_.connections, o_.users, o_.source_addresses,
                o_.hello ? "" : ", no hello");
    std::printf("time to connect         %.2f s (%.0f connections/s)\n", connect_seconds_,
                n / connect_seconds_);
    std::printf("server VmRSS            %ld KiB before, %ld KiB after\n", rss_before_,
                rss_after_);
    std::printf("server RSS/connection   %.0f bytes (%.2f KiB)\n", per_conn,
                per_conn / 1024);
    std::printf("server CPU to connect   %.2f s (%.0f us per connection)\n", cpu_connect_,
                cpu_connect_ * 1e6 / n);
    std::printf("client RSS/connection   %.0f bytes\n", self_per_conn);
    if (o_.json) {
      json_line j;
      j.uint("connections", o_.connections)
          .uint("users", o_.users)
          .boolean("hello", o_.hello)
          .real("connect_s", connect_seconds_, 3)
          .uint("rss_before_kib", static_cast<std::uint64_t>(rss_before_))
          .uint("rss_after_kib", static_cast<std::uint64_t>(rss_after_))
          .real("bytes_per_conn", per_conn, 1)
          .real("server_cpu_connect_s", cpu_connect_, 3)
          .real("client_bytes_per_conn", self_per_conn, 1);
      std::printf("%s\n", j.finish().c_str());
    }
  }

  const options& o_;
  asio::io_context ioc_{1};
  asio::steady_timer timeout_, settle_;
  std::string admin_token_;
  std::vector<std::string> tokens_;
  std::shared_ptr<ws_client> admin_;
  std::vector<std::shared_ptr<ws_client>> clients_;
  std::unique_ptr<windowed> puts_, connects_;
  std::string phase_ = "starting";
  std::string failure_;
  bool stopped_ = false;
  clock_type::time_point t0_;
  double connect_seconds_ = 0, cpu_start_ = 0, cpu_connect_ = 0;
  long rss_before_ = 0, rss_after_ = 0, self_before_ = 0, self_after_ = 0;
};

options parse(int argc, char** argv) {
  auto m = option_map::parse(argc, argv, specs);
  if (m.has("help")) {
    std::fputs(usage.data(), stdout);
    std::exit(0);
  }
  options o;
  std::string err;
  auto target = parse_ws_target(m.str("url", ""), err);
  if (!target) throw usage_error("--url: " + err);
  o.target = *target;
  o.secret = m.str("secret", "");
  if (o.secret.empty()) throw usage_error("--secret is required");
  o.server_pid = static_cast<int>(m.uint("server-pid", 0, 1, 1u << 30));
  if (!m.has("server-pid")) throw usage_error("--server-pid is required");
  o.connections = m.uint("connections", 10000, 1, 1'000'000);
  o.provision = !m.has("no-provision");
  o.hello = !m.has("no-hello");
  o.users = o.provision ? m.uint("users", o.connections, 1, o.connections) : 0;
  o.org = m.str("org", "conns");
  o.user_prefix = m.str("user-prefix", "c");
  boost::system::error_code ec;
  auto base = asio::ip::make_address_v4(m.str("source-base", "127.0.0.2"), ec);
  if (ec || (base.to_uint() >> 24) != 127)
    throw usage_error("--source-base wants a 127.x.y.z address");
  o.source_base = base.to_uint();
  o.source_addresses = m.uint("source-addresses", 8, 1, 1u << 16);
  if ((o.source_base & 0xffffffu) + o.source_addresses > 0xffffffu)
    throw usage_error("--source-addresses runs past 127.255.255.255");
  o.window = m.uint("setup-window", 512, 1, 100'000);
  o.settle_seconds = m.real("settle-seconds", 2, 0, 600);
  o.timeout_seconds = m.real("timeout", 300, 1, 86400);
  o.json = m.has("json");
  return o;
}

} // namespace

int main(int argc, char** argv) {
  options o;
  try {
    o = parse(argc, argv);
  } catch (const usage_error& e) {
    std::fprintf(stderr, "%s\nparley-connections: %s\n", usage.data(), e.what());
    return 2;
  }
  raise_fd_limit(static_cast<rlim_t>(o.connections) + 64);
  runner r{o};
  return r.run();
}

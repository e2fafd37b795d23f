#include "bench/loadgen/load_run.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/common/body.hpp"
#include "bench/common/cpu_time.hpp"
#include "bench/loadgen/ws_client.hpp"
#include "protocol/codec.hpp"
#include "protocol/jwt.hpp"

namespace parley::bench {

namespace asio = boost::asio;
using clock = ws_client::clock;
using reply = ws_client::reply;

std::uint64_t load_result::error_total() const {
  std::uint64_t n = 0;
  for (const auto& [code, count] : errors)
    n += count;
  return n;
}

double load_result::cpu_total() const {
  double t = 0;
  for (const auto& [name, s] : cpu_seconds)
    t += s;
  return t;
}

double load_result::acked_per_second() const {
  return measured_seconds > 0 ? static_cast<double>(measured_acked) / measured_seconds
                              : 0.0;
}

namespace {

/// Setup requests (provisioning, conv.create) answered `rate_limited` or
/// `unavailable` are retried this many times in all, with a growing pause. msg.send is
/// never retried: its errors are counted.
constexpr unsigned max_setup_attempts = 20;
constexpr auto setup_backoff_step = std::chrono::milliseconds(250);

/// After the last reply, connections get this long to close cleanly.
constexpr auto close_grace = std::chrono::seconds(2);

/// The service name in the admin token's `sub`.
constexpr std::string_view admin_subject = "parley-bench";

bool retriable(std::string_view code) {
  return code == "rate_limited" || code == "unavailable";
}

std::uint64_t micros(clock::duration d) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
}

double seconds(clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

std::string describe(const reply& r) {
  return std::string{r.code} + ": " + std::string{r.message};
}

class runner {
public:
  explicit runner(const load_options& o);
  load_result run();

private:
  /// One io_context and the thread that runs it, with the figures its connections
  /// record (touched only from that thread; merged after the threads are joined).
  struct worker {
    asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    histogram latency_us;
    std::map<std::string, std::uint64_t> errors;
    std::uint64_t acked = 0;
    std::uint64_t measured_acked = 0;
    std::uint64_t dups = 0;
    std::uint64_t max_send_lag_us = 0;
  };

  /// One writer connection; every member is touched only from its worker's thread.
  struct writer {
    std::size_t index = 0;
    worker* home = nullptr;
    std::string user;
    std::string token;
    std::size_t conv_index = 0;
    std::shared_ptr<ws_client> client;
    std::string conv;            // the conversation id, once created
    std::uint64_t next_cid = 0;  // cid = "<index>-<next_cid>"
    std::size_t inflight = 0;    // closed loop
    std::uint64_t next_slot = 0; // open loop: the next message index this writer sends
    std::unique_ptr<asio::steady_timer> timer; // open loop
    std::vector<std::uint64_t> seqs;           // acked seqs, for the gap check
  };

  enum class phase { admin, provisioning, connecting, creating, timed, closing };
  static std::string_view to_string(phase p);

  using fields_fn = std::function<void(protocol::map_builder&)>;
  using ok_fn = std::function<void(const reply&)>;

  // Phases, in order.
  void start_admin();
  void provision();
  void put_users();
  void start_writers();
  void create_conversations();
  void start_timed();
  void finish();

  // Helpers.
  void hello(ws_client& c, const std::string& token, const std::string& who,
             std::function<void()> next);
  void setup_request(std::shared_ptr<ws_client> c, std::string op, fields_fn fields,
                     std::string what, ok_fn on_ok, unsigned attempt = 1);
  void fill(writer& wr);
  void arm(writer& wr);
  void send(writer& wr, std::uint64_t ticket, clock::time_point start);
  void on_sent(writer& wr, std::uint64_t ticket, clock::time_point start, const reply& r);
  clock::time_point scheduled(std::uint64_t slot) const;
  void abort(const std::string& why);
  void stop_all();
  ws_client::fail_handler abort_handler();
  std::string seq_check() const;

  const load_options& o_;
  const std::string body_;
  const std::uint64_t warmup_n_;
  std::string admin_token_;
  std::string run_id_; // makes conv.create cids unique to this run
  std::vector<std::vector<std::string>> participants_; // by conversation

  // Workers first: connections and timers below are destroyed before their
  // io_contexts.
  std::vector<std::unique_ptr<worker>> workers_;
  asio::steady_timer timeout_timer_;
  asio::steady_timer grace_timer_;
  std::shared_ptr<ws_client> admin_;
  std::vector<writer> writers_; // never resized after construction
  std::vector<std::string> conv_ids_;

  std::atomic<phase> phase_{phase::admin};
  std::size_t users_remaining_ = 0; // admin thread only
  std::atomic<std::size_t> hellos_remaining_{0};
  std::atomic<std::size_t> convs_remaining_{0};
  std::atomic<std::size_t> closes_remaining_{0};
  std::atomic<std::uint64_t> next_ticket_{0};
  std::atomic<std::uint64_t> completed_{0};
  clock::time_point t0_;     // start of the timed phase
  clock::time_point t_warm_; // reply that completed the warm-up
  clock::time_point t_end_;  // last reply
  cpu_sampler cpu_;          // started with the timed phase, stopped at its last reply

  std::mutex end_mutex_; // guards the three below
  bool finished_ = false;
  bool failed_ = false;
  std::string failure_;
};

runner::runner(const load_options& o)
    : o_(o), body_(make_body(o.body_bytes)),
      warmup_n_(static_cast<std::uint64_t>(o.warmup_fraction *
                                           static_cast<double>(o.messages))),
      workers_([&] {
        std::vector<std::unique_ptr<worker>> w;
        for (std::size_t i = 0; i < std::max<std::size_t>(1, o.threads); ++i)
          w.push_back(std::make_unique<worker>());
        return w;
      }()),
      timeout_timer_(workers_[0]->ioc), grace_timer_(workers_[0]->ioc),
      conv_ids_(o.conversations), cpu_(o.cpu_pids, "load") {
  const auto now = std::chrono::system_clock::now();
  const auto exp =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count() +
      static_cast<std::int64_t>(o.timeout_seconds) + 3600;
  admin_token_ = protocol::sign_token(
      {.sub = std::string{admin_subject}, .exp = exp, .admin = true}, o.secret);
  run_id_ = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
          .count());
  participants_.resize(o.conversations);
  writers_.resize(o.connections);
  for (std::size_t i = 0; i < o.connections; ++i) {
    auto& wr = writers_[i];
    wr.index = i;
    wr.home = workers_[i % workers_.size()].get();
    wr.user = o.user_prefix + std::to_string(i);
    wr.token =
        protocol::sign_token({.sub = wr.user, .exp = exp, .admin = false}, o.secret);
    wr.conv_index = i % o.conversations;
    participants_[wr.conv_index].push_back(wr.user);
  }
}

std::string_view runner::to_string(phase p) {
  switch (p) {
  case phase::admin:
    return "connecting the admin connection";
  case phase::provisioning:
    return "provisioning the org and users";
  case phase::connecting:
    return "connecting the writers";
  case phase::creating:
    return "creating conversations";
  case phase::timed:
    return "sending messages";
  case phase::closing:
    return "closing";
  }
  return "?";
}

load_result runner::run() {
  timeout_timer_.expires_after(std::chrono::duration_cast<clock::duration>(
      std::chrono::duration<double>(o_.timeout_seconds)));
  timeout_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g", o_.timeout_seconds);
    abort("timed out after " + std::string{limit} + " s while " +
          std::string{to_string(phase_.load())} + " (" +
          std::to_string(completed_.load()) + " of " + std::to_string(o_.messages) +
          " messages answered)");
  });
  asio::post(workers_[0]->ioc, [this] { start_admin(); });

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers_.size(); ++i)
    threads.emplace_back([w = workers_[i].get()] { w->ioc.run(); });
  workers_[0]->ioc.run();
  for (auto& t : threads)
    t.join();

  load_result res;
  if (failed_) {
    res.failure = failure_;
    return res;
  }
  res.warmup = warmup_n_;
  res.completed = completed_.load();
  for (const auto& w : workers_) {
    res.latency_us.merge(w->latency_us);
    for (const auto& [code, n] : w->errors)
      res.errors[code] += n;
    res.acked += w->acked;
    res.measured_acked += w->measured_acked;
    res.dups += w->dups;
    res.max_send_lag_us = std::max(res.max_send_lag_us, w->max_send_lag_us);
  }
  res.elapsed_seconds = seconds(t_end_ - t0_);
  res.measured_seconds = seconds(t_end_ - (warmup_n_ ? t_warm_ : t0_));
  res.seq_check = seq_check();
  res.cpu_seconds = cpu_.spent();
  return res;
}

// -- phases ---------------------------------------------------------------------

void runner::start_admin() {
  phase_ = phase::admin;
  admin_ = std::make_shared<ws_client>(workers_[0]->ioc, o_.targets.front(),
                                       "admin connection", abort_handler());
  admin_->connect([this] {
    hello(*admin_, admin_token_, std::string{admin_subject} + " (admin token)",
          [this] { provision(); });
  });
}

void runner::provision() {
  phase_ = phase::provisioning;
  // The org first: users reference it, and pipelined requests may be handled in any
  // order.
  setup_request(
      admin_, "admin.org.put",
      [this](auto& b) { b.str("org", o_.org).str("name", o_.org); },
      "admin.org.put " + o_.org, [this](const reply&) { put_users(); });
}

void runner::put_users() {
  users_remaining_ = writers_.size();
  for (const auto& wr : writers_) {
    setup_request(
        admin_, "admin.user.put",
        [this, user = wr.user](auto& b) {
          b.str("user", user).str("org", o_.org).str("kind", "staff").str("name", user);
        },
        "admin.user.put " + wr.user,
        [this](const reply&) {
          if (--users_remaining_ > 0) return;
          admin_->close([] {});
          start_writers();
        });
  }
}

void runner::start_writers() {
  phase_ = phase::connecting;
  hellos_remaining_ = writers_.size();
  for (auto& wr : writers_) {
    asio::post(wr.home->ioc, [this, &wr] {
      wr.client = std::make_shared<ws_client>(
          wr.home->ioc, target_of(o_.targets, wr.index), wr.user, abort_handler());
      wr.client->connect([this, &wr] {
        hello(*wr.client, wr.token, wr.user, [this] {
          if (hellos_remaining_.fetch_sub(1) == 1) create_conversations();
        });
      });
    });
  }
}

void runner::create_conversations() {
  phase_ = phase::creating;
  convs_remaining_ = o_.conversations;
  // Conversation c is created by writer c, one of its participants (c < C <= N). The
  // cid makes a retried create (after `unavailable`) find the same conversation.
  for (std::size_t c = 0; c < o_.conversations; ++c) {
    auto& creator = writers_[c];
    asio::post(creator.home->ioc, [this, c, &creator] {
      setup_request(
          creator.client, "conv.create",
          [this, c](auto& b) {
            b.str("kind", "private")
                .str_list("participants", participants_[c])
                .str("cid", "bench-" + run_id_ + "-" + std::to_string(c));
          },
          "conv.create by " + creator.user,
          [this, c](const reply& r) {
            auto conv = r.frame.find("conv");
            auto id = conv ? protocol::find_in_map(*conv, "id") : nullptr;
            if (!id || id->type != msgpack::type::STR)
              return abort("conv.create reply has no conv.id string");
            conv_ids_[c].assign(id->via.str.ptr, id->via.str.size);
            if (convs_remaining_.fetch_sub(1) == 1) start_timed();
          });
    });
  }
}

void runner::start_timed() {
  phase_ = phase::timed;
  cpu_.start();
  t0_ = clock::now();
  for (auto& wr : writers_) {
    asio::post(wr.home->ioc, [this, &wr] {
      wr.conv = conv_ids_[wr.conv_index];
      if (!o_.open_loop_rate) return fill(wr);
      wr.next_slot = wr.index;
      wr.timer = std::make_unique<asio::steady_timer>(wr.home->ioc);
      arm(wr);
    });
  }
}

void runner::finish() {
  {
    std::lock_guard lock{end_mutex_};
    if (failed_ || finished_) return;
    finished_ = true;
  }
  phase_ = phase::closing;
  closes_remaining_ = writers_.size();
  for (auto& wr : writers_) {
    asio::post(wr.home->ioc, [this, &wr] {
      wr.client->close([this] {
        if (closes_remaining_.fetch_sub(1) == 1) stop_all();
      });
    });
  }
  asio::post(workers_[0]->ioc, [this] {
    grace_timer_.expires_after(close_grace);
    grace_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) stop_all();
    });
  });
}

// -- timed phase ----------------------------------------------------------------

// Closed loop: keep `inflight` requests outstanding; tickets are drawn from one
// counter, so faster connections send more and the run ends at exactly M.
void runner::fill(writer& wr) {
  while (wr.inflight < o_.inflight) {
    const auto ticket = next_ticket_.fetch_add(1, std::memory_order_relaxed);
    if (ticket >= o_.messages) return;
    send(wr, ticket, clock::now());
  }
}

clock::time_point runner::scheduled(std::uint64_t slot) const {
  return t0_ + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(
                   static_cast<double>(slot) / *o_.open_loop_rate));
}

// Open loop: message k is due at t0 + k / rate and belongs to writer k % N. Latency
// counts from the due time, so a send that leaves late (server backpressure, a slow
// client) is charged to the measurement instead of being hidden by it.
void runner::arm(writer& wr) {
  if (wr.next_slot >= o_.messages) return;
  wr.timer->expires_at(scheduled(wr.next_slot));
  wr.timer->async_wait([this, &wr](boost::system::error_code ec) {
    if (ec) return;
    const auto now = clock::now();
    while (wr.next_slot < o_.messages && scheduled(wr.next_slot) <= now) {
      const auto due = scheduled(wr.next_slot);
      wr.home->max_send_lag_us = std::max(wr.home->max_send_lag_us, micros(now - due));
      send(wr, wr.next_slot, due);
      wr.next_slot += writers_.size();
    }
    arm(wr);
  });
}

void runner::send(writer& wr, std::uint64_t ticket, clock::time_point start) {
  const std::string cid = std::to_string(wr.index) + "-" + std::to_string(wr.next_cid++);
  protocol::map_builder f;
  f.str("conv", wr.conv).str("cid", cid).str("body", body_);
  ++wr.inflight;
  wr.client->request("msg.send", f, [this, &wr, ticket, start](const reply& r) {
    on_sent(wr, ticket, start, r);
  });
}

void runner::on_sent(writer& wr, std::uint64_t ticket, clock::time_point start,
                     const reply& r) {
  --wr.inflight;
  worker& w = *wr.home;
  if (r.ok) {
    auto seq = r.frame.find("seq");
    if (!seq || seq->type != msgpack::type::POSITIVE_INTEGER)
      return abort(wr.user + ": msg.send reply has no seq");
    wr.seqs.push_back(seq->via.u64);
    auto dup = r.frame.find("dup");
    if (dup && dup->type == msgpack::type::BOOLEAN && dup->via.boolean) ++w.dups;
    ++w.acked;
    if (ticket >= warmup_n_) w.latency_us.record(micros(r.received - start));
  } else {
    ++w.errors[std::string{r.code}];
  }
  const auto index = completed_.fetch_add(1);
  if (warmup_n_ > 0 && index + 1 == warmup_n_) t_warm_ = r.received;
  if (index >= warmup_n_ && r.ok) ++w.measured_acked;
  if (index + 1 == o_.messages) {
    t_end_ = r.received;
    cpu_.stop();
    return finish();
  }
  if (!o_.open_loop_rate) fill(wr);
}

// -- helpers --------------------------------------------------------------------

void runner::hello(ws_client& c, const std::string& token, const std::string& who,
                   std::function<void()> next) {
  protocol::map_builder f;
  f.str("token", token).str("device", "parley-load");
  c.request("hello", f, [this, who, next = std::move(next)](const reply& r) {
    if (r.ok) return next();
    std::string why = "hello as " + who + " refused: " + describe(r);
    if (r.code == "unauthenticated") why += " (is --secret the server's token secret?)";
    abort(why);
  });
}

void runner::setup_request(std::shared_ptr<ws_client> c, std::string op, fields_fn fields,
                           std::string what, ok_fn on_ok, unsigned attempt) {
  protocol::map_builder b;
  fields(b);
  // The handler lives in c's own table of pending replies: it holds c weakly.
  std::weak_ptr<ws_client> weak = c;
  c->request(
      op, b,
      [this, weak, op, fields = std::move(fields), what = std::move(what),
       on_ok = std::move(on_ok), attempt](const reply& r) mutable {
        if (r.ok) return on_ok(r);
        auto c = weak.lock();
        if (!c || !retriable(r.code) || attempt >= max_setup_attempts)
          return abort(what + " failed: " + describe(r));
        auto timer = std::make_shared<asio::steady_timer>(c->executor(),
                                                          setup_backoff_step * attempt);
        timer->async_wait([this, timer, c, op = std::move(op), fields = std::move(fields),
                           what = std::move(what), on_ok = std::move(on_ok),
                           attempt](boost::system::error_code ec) mutable {
          if (ec) return;
          setup_request(c, std::move(op), std::move(fields), std::move(what),
                        std::move(on_ok), attempt + 1);
        });
      });
}

ws_client::fail_handler runner::abort_handler() {
  return [this](const std::string& what) { abort(what); };
}

void runner::abort(const std::string& why) {
  {
    std::lock_guard lock{end_mutex_};
    if (failed_ || finished_) return;
    failed_ = true;
    failure_ = why;
  }
  stop_all();
}

void runner::stop_all() {
  for (auto& w : workers_)
    w->ioc.stop();
}

// Every conversation is new and only this run writes to it, so the seqs acked in it
// must be exactly 1..n (docs/protocol.md §6: no gap, no repeat; a refused send takes
// none).
std::string runner::seq_check() const {
  std::vector<std::vector<std::uint64_t>> by_conv(o_.conversations);
  for (const auto& wr : writers_)
    by_conv[wr.conv_index].insert(by_conv[wr.conv_index].end(), wr.seqs.begin(),
                                  wr.seqs.end());
  for (std::size_t c = 0; c < by_conv.size(); ++c) {
    auto& seqs = by_conv[c];
    std::sort(seqs.begin(), seqs.end());
    for (std::size_t i = 0; i < seqs.size(); ++i) {
      if (seqs[i] != i + 1) {
        return "conversation " + conv_ids_[c] + ": expected seq " +
               std::to_string(i + 1) + ", found " + std::to_string(seqs[i]) + " (" +
               std::to_string(seqs.size()) + " acked)";
      }
    }
  }
  return "ok";
}

} // namespace

load_result run_load(const load_options& options) {
  runner r{options};
  return r.run();
}

} // namespace parley::bench

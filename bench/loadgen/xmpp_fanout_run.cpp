#include "bench/loadgen/xmpp_fanout_run.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/common/body.hpp"
#include "bench/common/cpu_time.hpp"
#include "bench/loadgen/xmpp_ws_client.hpp"

namespace parley::bench {

namespace asio = boost::asio;
using clock = xmpp_ws_client::clock;

namespace {

constexpr auto close_grace = std::chrono::seconds(2);
constexpr auto poll_interval = std::chrono::milliseconds(20);
constexpr auto pause_between_steps = std::chrono::milliseconds(300);
constexpr std::uint64_t max_messages_per_step = 10'000'000;
/// After the last join, the steps wait until no stanza has arrived for this long
/// (the room's presence broadcasts of the joins may still be on their way), at most
/// settle_limit.
constexpr auto settle_quiet = std::chrono::seconds(1);
constexpr auto settle_poll = std::chrono::milliseconds(100);
constexpr auto settle_limit = std::chrono::seconds(300);

std::uint64_t micros(clock::duration d) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(d).count()));
}

clock::duration secs(double s) {
  return std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(s));
}

/// The body of a scenario message: "<step>-<slot>-<due> " and filler up to the body
/// size (due = the scheduled send time in steady-clock ticks), so every occupant's
/// copy carries its timing back without a shared table. Digits, dashes and the
/// filler's lower-case words need no XML escaping.
std::string make_message_body(std::size_t step, std::uint64_t slot, clock::time_point due,
                              std::size_t bytes) {
  std::string s = std::to_string(step) + "-" + std::to_string(slot) + "-" +
                  std::to_string(due.time_since_epoch().count()) + " ";
  if (s.size() < bytes) s += make_body(bytes - s.size());
  return s;
}

struct parsed_body {
  std::size_t step = 0;
  clock::time_point due;
};

bool parse_body(std::string_view body, parsed_body& out) {
  const char* p = body.data();
  const char* end = p + body.size();
  std::uint64_t step = 0, slot = 0;
  clock::rep due = 0;
  auto r = std::from_chars(p, end, step);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != '-') return false;
  r = std::from_chars(r.ptr + 1, end, slot);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != '-') return false;
  r = std::from_chars(r.ptr + 1, end, due);
  if (r.ec != std::errc{} || (r.ptr != end && *r.ptr != ' ')) return false;
  out.step = step;
  out.due = clock::time_point{clock::duration{due}};
  return true;
}

class runner {
public:
  runner(const xmpp_fanout_options& o,
         const std::function<void(const fanout_step&)>& on_step);
  fanout_result run();

private:
  struct tally {
    histogram latency_us;
    std::uint64_t sent = 0, measured_sent = 0;
    std::uint64_t deliveries = 0, deliveries_all = 0, other_pushes = 0;
    std::uint64_t max_send_lag_us = 0;
    clock::time_point last_delivery{};
  };

  struct worker {
    std::size_t index = 0;
    asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::unique_ptr<asio::steady_timer> send_timer;
    std::size_t step = SIZE_MAX;
    std::uint64_t next_slot = 0;
    tally t;
  };

  struct member {
    std::size_t index = 0;
    std::size_t room = 0;
    worker* home = nullptr;
    std::string nick;
    std::shared_ptr<xmpp_ws_client> client;
  };

  struct step_plan {
    std::size_t index = 0;
    double rate = 0;
    std::uint64_t slots = 0;
    clock::time_point t0, t_warm, deadline;
  };

  void connect_members();
  void settle(std::uint64_t seen, clock::time_point quiet_since, clock::time_point until);
  void start_step(std::size_t index);
  void arm(worker& w);
  void send(worker& w, std::uint64_t slot);
  void on_message(member& m, std::string_view body, clock::time_point received);
  void poll_step();
  void collect_step(bool drained);
  void finish(std::string reason);
  member& sender_of(std::uint64_t slot);
  clock::time_point due(std::uint64_t slot) const;
  void abort(const std::string& why);
  void stop_all();

  const xmpp_fanout_options& o_;
  const std::function<void(const fanout_step&)>& on_step_;
  std::string run_id_;

  std::vector<std::unique_ptr<worker>> workers_;
  asio::steady_timer timeout_timer_;
  asio::steady_timer step_timer_;
  asio::steady_timer grace_timer_;
  std::vector<member> members_;
  std::vector<std::string> room_jids_;

  clock::time_point t_setup_;
  step_plan plan_;
  cpu_sampler cpu_;
  std::atomic<std::uint64_t> sent_{0}, delivered_{0};
  std::atomic<std::uint64_t> other_stanzas_{0}; // whole run: for the settling after setup
  std::atomic<std::size_t> collects_remaining_{0};
  std::vector<tally> collected_;
  std::mutex collect_mutex_;

  std::atomic<const char*> phase_{"connecting, logging in and joining the members"};
  fanout_result result_;
  std::mutex end_mutex_;
  bool finished_ = false;
  bool failed_ = false;
  std::string failure_;
};

runner::runner(const xmpp_fanout_options& o,
               const std::function<void(const fanout_step&)>& on_step)
    : o_(o), on_step_(on_step), workers_([&] {
        std::vector<std::unique_ptr<worker>> w;
        for (std::size_t i = 0; i < std::max<std::size_t>(1, o.threads); ++i) {
          w.push_back(std::make_unique<worker>());
          w.back()->index = i;
          w.back()->send_timer = std::make_unique<asio::steady_timer>(w.back()->ioc);
        }
        return w;
      }()),
      timeout_timer_(workers_[0]->ioc), step_timer_(workers_[0]->ioc),
      grace_timer_(workers_[0]->ioc), cpu_(o.cpu_pids, "load"),
      collected_(workers_.size()) {
  // A fresh set of rooms per run: a room of an earlier run may still be emptying.
  run_id_ = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count() %
                           100'000'000);
  for (std::size_t r = 0; r < o.rooms; ++r)
    room_jids_.push_back(o.room_prefix + run_id_ + "-" + std::to_string(r) + "@" +
                         o.muc_service);
  members_.resize(o.rooms * o.members);
  for (std::size_t i = 0; i < members_.size(); ++i) {
    auto& m = members_[i];
    m.index = i;
    m.room = i / o.members;
    m.home = workers_[i % workers_.size()].get();
    m.nick = "m" + std::to_string(i % o.members);
  }
}

fanout_result runner::run() {
  timeout_timer_.expires_after(secs(o_.timeout_seconds));
  timeout_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g", o_.timeout_seconds);
    abort("timed out after " + std::string{limit} + " s while " + phase_.load());
  });
  t_setup_ = clock::now();
  asio::post(workers_[0]->ioc, [this] { connect_members(); });
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers_.size(); ++i)
    threads.emplace_back([w = workers_[i].get()] { w->ioc.run(); });
  workers_[0]->ioc.run();
  for (auto& t : threads)
    t.join();
  if (failed_) result_.failure = failure_;
  return std::move(result_);
}

// -- setup ----------------------------------------------------------------------

// Connects, logs in and joins every member, at most setup_window at once. The first
// join of a room creates it (an instant room: ejabberd does not lock it).
void runner::connect_members() {
  struct state {
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> remaining{0};
    std::function<void()> launch;
  };
  auto s = std::make_shared<state>();
  s->remaining = members_.size();
  std::weak_ptr<state> weak = s;
  s->launch = [this, weak] {
    auto s = weak.lock();
    if (!s) return;
    const auto i = s->next.fetch_add(1);
    if (i >= members_.size()) return;
    auto& m = members_[i];
    asio::post(m.home->ioc, [this, s, &m] {
      auto done = [this, s] {
        if (s->remaining.fetch_sub(1) == 1) {
          asio::post(workers_[0]->ioc, [this] {
            phase_ = "waiting for the joins' presence broadcasts to end";
            const auto now = clock::now();
            settle(other_stanzas_.load(), now, now + settle_limit);
          });
          return;
        }
        s->launch();
      };
      m.client = std::make_shared<xmpp_ws_client>(
          m.home->ioc, o_.target, o_.domain, room_jids_[m.room] + "/" + m.nick,
          [this](const std::string& w) { abort(w); });
      if (o_.source_addresses > 1) {
        const auto k = static_cast<unsigned>(m.index % o_.source_addresses);
        m.client->bind_source(asio::ip::address_v4{(127u << 24) | (2u + k)});
      }
      m.client->on_message([this, &m](std::string_view body, clock::time_point received) {
        on_message(m, body, received);
      });
      m.client->on_other([this, &m] {
        ++m.home->t.other_pushes;
        other_stanzas_.fetch_add(1, std::memory_order_relaxed);
      });
      m.client->connect(
          [this, &m, done] { m.client->join(room_jids_[m.room], m.nick, done); });
    });
  };
  // The state lives as long as a launch or a connection's callback holds it.
  for (std::size_t k = 0; k < std::min(o_.setup_window, members_.size()); ++k)
    s->launch();
}

// Every member has seen its own join, but a room of M members broadcasts ~M^2
// presence stanzas while they join, and the server may still be delivering them: a
// step started now would measure that backlog. So the steps wait until no stanza has
// arrived for settle_quiet (bounded by settle_limit); setup_seconds includes this.
void runner::settle(std::uint64_t seen, clock::time_point quiet_since,
                    clock::time_point until) {
  const auto now = clock::now();
  const auto count = other_stanzas_.load();
  if (count != seen) quiet_since = now;
  if (now - quiet_since < settle_quiet && now < until) {
    step_timer_.expires_after(settle_poll);
    step_timer_.async_wait(
        [this, count, quiet_since, until](boost::system::error_code ec) {
          if (!ec) settle(count, quiet_since, until);
        });
    return;
  }
  result_.setup_seconds = std::chrono::duration<double>(now - t_setup_).count();
  start_step(0);
}

// -- steps ----------------------------------------------------------------------

// As parley-fanout: slot k is due at t0 + k / rate and goes to room k % R, sent by
// its member (k / R) % M.
runner::member& runner::sender_of(std::uint64_t slot) {
  const std::size_t room = slot % o_.rooms;
  const std::size_t pos = (slot / o_.rooms) % o_.members;
  return members_[room * o_.members + pos];
}

clock::time_point runner::due(std::uint64_t slot) const {
  return plan_.t0 + secs(static_cast<double>(slot) / plan_.rate);
}

void runner::start_step(std::size_t index) {
  if (index >= o_.rates.size()) return finish("every rate step ran");
  phase_ = "running the rate steps";
  plan_.index = index;
  plan_.rate = o_.rates[index];
  plan_.slots = std::min<std::uint64_t>(
      max_messages_per_step,
      std::max<std::uint64_t>(1,
                              static_cast<std::uint64_t>(plan_.rate * o_.step_seconds)));
  plan_.t0 = clock::now() + std::chrono::milliseconds(20);
  plan_.t_warm = plan_.t0 + secs(o_.warmup_seconds);
  plan_.deadline = plan_.t0 + secs(static_cast<double>(plan_.slots) / plan_.rate) +
                   secs(o_.drain_seconds);
  sent_ = delivered_ = 0;
  cpu_.start();
  for (auto& wp : workers_) {
    asio::post(wp->ioc, [this, &w = *wp, index] {
      w.step = index;
      w.t = tally{};
      w.next_slot = 0;
      arm(w);
    });
  }
  step_timer_.expires_after(poll_interval);
  step_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) poll_step();
  });
}

// Open loop, as parley-fanout: a late send is still timed from its due time.
void runner::arm(worker& w) {
  if (w.next_slot >= plan_.slots) return;
  w.send_timer->expires_at(due(w.next_slot));
  w.send_timer->async_wait([this, &w, step = w.step](boost::system::error_code ec) {
    if (ec || w.step != step) return;
    const auto now = clock::now();
    while (w.next_slot < plan_.slots && due(w.next_slot) <= now) {
      if (sender_of(w.next_slot).home == &w) {
        w.t.max_send_lag_us =
            std::max(w.t.max_send_lag_us, micros(now - due(w.next_slot)));
        send(w, w.next_slot);
      }
      ++w.next_slot;
    }
    arm(w);
  });
}

void runner::send(worker& w, std::uint64_t slot) {
  auto& m = sender_of(slot);
  const auto when = due(slot);
  m.client->send_groupchat(make_message_body(plan_.index, slot, when, o_.body_bytes));
  ++w.t.sent;
  if (when >= plan_.t_warm) ++w.t.measured_sent;
  sent_.fetch_add(1, std::memory_order_relaxed);
}

void runner::on_message(member& m, std::string_view body, clock::time_point received) {
  worker& w = *m.home;
  parsed_body b;
  if (!parse_body(body, b) || b.step != w.step) return;
  ++w.t.deliveries_all;
  delivered_.fetch_add(1, std::memory_order_relaxed);
  if (b.due < plan_.t_warm) return;
  ++w.t.deliveries;
  w.t.latency_us.record(micros(received - b.due));
  w.t.last_delivery = std::max(w.t.last_delivery, received);
}

// Thread 0: the step is over when every slot was sent and every message reached
// every occupant, or at its deadline.
void runner::poll_step() {
  const bool complete =
      sent_.load() == plan_.slots && delivered_.load() == plan_.slots * o_.members;
  if (!complete && clock::now() < plan_.deadline) {
    step_timer_.expires_after(poll_interval);
    step_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) poll_step();
    });
    return;
  }
  collect_step(complete);
}

void runner::collect_step(bool drained) {
  cpu_.stop();
  collects_remaining_ = workers_.size();
  for (auto& wp : workers_) {
    asio::post(wp->ioc, [this, &w = *wp, drained] {
      w.send_timer->cancel();
      w.step = SIZE_MAX;
      {
        std::lock_guard lock{collect_mutex_};
        collected_[w.index] = std::move(w.t);
        w.t = tally{};
      }
      if (collects_remaining_.fetch_sub(1) != 1) return;
      asio::post(workers_[0]->ioc, [this, drained] {
        fanout_step s;
        s.index = plan_.index;
        s.rate = plan_.rate;
        s.scheduled = plan_.slots;
        s.drained = drained;
        clock::time_point last{};
        for (auto& t : collected_) {
          s.sent += t.sent;
          s.acked += t.sent; // no acknowledgement in groupchat: acked = sent
          s.measured_acked += t.measured_sent;
          s.deliveries += t.deliveries;
          s.deliveries_all += t.deliveries_all;
          s.other_pushes += t.other_pushes;
          s.max_send_lag_us = std::max(s.max_send_lag_us, t.max_send_lag_us);
          s.latency_us.merge(t.latency_us);
          last = std::max(last, t.last_delivery);
        }
        const auto scheduled_end =
            plan_.t0 + secs(static_cast<double>(plan_.slots) / plan_.rate);
        const auto end = std::max(last, scheduled_end);
        if (end > plan_.t_warm)
          s.measured_seconds = std::chrono::duration<double>(end - plan_.t_warm).count();
        s.cpu_seconds = cpu_.spent();
        if (on_step_) on_step_(s);
        result_.steps.push_back(std::move(s));
        const auto& done = result_.steps.back();
        const double p50_ms =
            static_cast<double>(done.latency_us.percentile(50)) / 1000.0;
        if (!done.drained)
          return finish("saturated: deliveries still missing at the deadline");
        if (p50_ms > o_.stop_p50_ms) {
          char why[96];
          std::snprintf(why, sizeof why, "p50 %.1f ms above the stop threshold %.1f ms",
                        p50_ms, o_.stop_p50_ms);
          return finish(why);
        }
        step_timer_.expires_after(pause_between_steps);
        step_timer_.async_wait(
            [this, next = plan_.index + 1](boost::system::error_code ec) {
              if (!ec) start_step(next);
            });
      });
    });
  }
}

void runner::finish(std::string reason) {
  {
    std::lock_guard lock{end_mutex_};
    if (failed_ || finished_) return;
    finished_ = true;
  }
  result_.stop_reason = std::move(reason);
  phase_ = "closing";
  auto remaining = std::make_shared<std::atomic<std::size_t>>(members_.size());
  for (auto& m : members_) {
    asio::post(m.home->ioc, [this, &m, remaining] {
      m.client->close([this, remaining] {
        if (remaining->fetch_sub(1) == 1) stop_all();
      });
    });
  }
  grace_timer_.expires_after(close_grace);
  grace_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) stop_all();
  });
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

} // namespace

fanout_result run_xmpp_fanout(const xmpp_fanout_options& options,
                              const std::function<void(const fanout_step&)>& on_step) {
  runner r{options, on_step};
  return r.run();
}

} // namespace parley::bench

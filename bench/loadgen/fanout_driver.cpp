#include "bench/loadgen/fanout_driver.hpp"

#include <algorithm>
#include <cstdio>
#include <thread>

#include <boost/asio/post.hpp>

#include "bench/loadgen/provision.hpp"

namespace parley::bench {

namespace asio = boost::asio;
using clock = fanout_driver::clock;

namespace {

constexpr auto close_grace = std::chrono::seconds(2);
constexpr auto poll_interval = std::chrono::milliseconds(20);
constexpr auto pause_between_steps = std::chrono::milliseconds(300);
/// Steps never schedule more than this many messages, whatever rate × seconds says.
constexpr std::uint64_t max_messages_per_step = 10'000'000;

} // namespace

fanout_driver::fanout_driver(const fanout_common_options& o,
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
  homes_.resize(o.rooms * o.members);
  for (std::size_t i = 0; i < homes_.size(); ++i)
    homes_[i] = workers_[i % workers_.size()].get();
}

fanout_result fanout_driver::run(fanout_transport& t) {
  transport_ = &t;
  timeout_timer_.expires_after(secs(o_.timeout_seconds));
  timeout_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    char limit[32];
    std::snprintf(limit, sizeof limit, "%g", o_.timeout_seconds);
    abort("timed out after " + std::string{limit} + " s while " + phase_.load());
  });
  t_setup_ = clock::now();
  asio::post(workers_[0]->ioc, [this] {
    transport_->set_up([this] {
      asio::post(workers_[0]->ioc, [this] {
        result_.setup_seconds =
            std::chrono::duration<double>(clock::now() - t_setup_).count();
        start_step(0);
      });
    });
  });
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < workers_.size(); ++i)
    threads.emplace_back([w = workers_[i].get()] { w->ioc.run(); });
  workers_[0]->ioc.run();
  for (auto& th : threads)
    th.join();
  if (failed_) result_.failure = failure_;
  return std::move(result_);
}

// -- the schedule ---------------------------------------------------------------

// Slot k of a step is due at t0 + k / rate and goes to room k % R, sent by its member
// (k / R) % M: every room gets rate / R msgs/s and its members take turns sending.
std::size_t fanout_driver::sender_of(std::uint64_t slot) const {
  const std::size_t room = slot % o_.rooms;
  const std::size_t pos = (slot / o_.rooms) % o_.members;
  return room * o_.members + pos;
}

clock::time_point fanout_driver::due(std::uint64_t slot) const {
  return plan_.t0 + secs(static_cast<double>(slot) / plan_.rate);
}

void fanout_driver::start_step(std::size_t index) {
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
  sent_ = replied_ = acked_ = delivered_ = 0;
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

// Open loop: every thread walks the whole schedule and sends the slots whose sender
// lives on it. A send that leaves late is still timed from its due time, so the
// client's or the server's queueing shows in the figures instead of being hidden.
void fanout_driver::arm(worker& w) {
  if (w.next_slot >= plan_.slots) return;
  w.send_timer->expires_at(due(w.next_slot));
  // A wait that completed just before the step was collected still runs, with no
  // error: the step check keeps it from reading the next step's plan.
  w.send_timer->async_wait([this, &w, step = w.step](boost::system::error_code ec) {
    if (ec || w.step != step) return;
    const auto now = clock::now();
    while (w.next_slot < plan_.slots && due(w.next_slot) <= now) {
      const std::size_t sender = sender_of(w.next_slot);
      if (homes_[sender] == &w) {
        const auto when = due(w.next_slot);
        w.t.max_send_lag_us = std::max(w.t.max_send_lag_us, micros(now - when));
        ++w.t.sent;
        sent_.fetch_add(1, std::memory_order_relaxed);
        transport_->send(sender, {.step = step,
                                  .slot = w.next_slot,
                                  .due = when,
                                  .measured = when >= plan_.t_warm});
      }
      ++w.next_slot;
    }
    arm(w);
  });
}

// -- reports from the transport -------------------------------------------------

// Between steps a thread is in no step, and nothing counts: not even an
// acknowledgement that names no step (current_step() says none).
bool fanout_driver::counts(const worker& w, std::size_t step) {
  return step != no_step && w.step == step;
}

void fanout_driver::acked(std::size_t member, std::size_t step, std::uint64_t count,
                          std::uint64_t measured) {
  worker& w = *homes_[member];
  if (!counts(w, step)) return; // an answer after its step was collected
  w.t.acked += count;
  w.t.measured_acked += measured;
  acked_.fetch_add(count, std::memory_order_relaxed);
  replied_.fetch_add(count, std::memory_order_relaxed);
}

void fanout_driver::refused(std::size_t member, std::size_t step) {
  worker& w = *homes_[member];
  if (!counts(w, step)) return;
  ++w.t.errors;
  replied_.fetch_add(1, std::memory_order_relaxed);
}

void fanout_driver::delivered(std::size_t member, std::size_t step, clock::time_point due,
                              clock::time_point received) {
  worker& w = *homes_[member];
  if (!counts(w, step)) return;
  ++w.t.deliveries_all;
  delivered_.fetch_add(1, std::memory_order_relaxed);
  if (due < plan_.t_warm) return;
  ++w.t.deliveries;
  w.t.latency_us.record(micros(received - due));
  w.t.last_delivery = std::max(w.t.last_delivery, received);
}

void fanout_driver::other(std::size_t member) {
  ++homes_[member]->t.other_pushes;
}

// -- end of a step --------------------------------------------------------------

// Thread 0: the step is over when every slot was sent and answered and every acked
// message reached every member, or at its deadline.
void fanout_driver::poll_step() {
  const bool complete = sent_.load() == plan_.slots && replied_.load() == plan_.slots &&
                        delivered_.load() == acked_.load() * o_.members;
  if (!complete && clock::now() < plan_.deadline) {
    step_timer_.expires_after(poll_interval);
    step_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec) poll_step();
    });
    return;
  }
  collect_step(complete);
}

void fanout_driver::collect_step(bool drained) {
  cpu_.stop();
  collects_remaining_ = workers_.size();
  for (auto& wp : workers_) {
    asio::post(wp->ioc, [this, &w = *wp, drained] {
      w.send_timer->cancel();
      w.step = no_step; // late replies and pushes of this step are ignored from now
      {
        std::lock_guard lock{collect_mutex_};
        collected_[w.index] = std::move(w.t);
        w.t = tally{};
      }
      if (collects_remaining_.fetch_sub(1) != 1) return;
      asio::post(workers_[0]->ioc, [this, drained] { report_step(drained); });
    });
  }
}

// Thread 0, once every thread's tally is in: sums them, reports the step and starts
// the next one unless a stop rule says otherwise.
void fanout_driver::report_step(bool drained) {
  fanout_step s;
  s.index = plan_.index;
  s.rate = plan_.rate;
  s.scheduled = plan_.slots;
  s.drained = drained;
  clock::time_point last{};
  for (auto& t : collected_) {
    s.sent += t.sent;
    s.acked += t.acked;
    s.send_errors += t.errors;
    s.measured_acked += t.measured_acked;
    s.deliveries += t.deliveries;
    s.deliveries_all += t.deliveries_all;
    s.other_pushes += t.other_pushes;
    s.max_send_lag_us = std::max(s.max_send_lag_us, t.max_send_lag_us);
    s.latency_us.merge(t.latency_us);
    last = std::max(last, t.last_delivery);
  }
  // Over the measured part of the schedule, or longer when deliveries lag behind it:
  // a step of a few messages must not count one burst as a rate.
  const auto scheduled_end =
      plan_.t0 + secs(static_cast<double>(plan_.slots) / plan_.rate);
  const auto end = std::max(last, scheduled_end);
  if (end > plan_.t_warm)
    s.measured_seconds = std::chrono::duration<double>(end - plan_.t_warm).count();
  s.cpu_seconds = cpu_.spent();
  if (on_step_) on_step_(s);
  result_.steps.push_back(std::move(s));
  const auto& done = result_.steps.back();
  // p50, not p99: on a shared machine one stall of the load generator lifts a step's
  // p99, while a median over the bound means the queue grew all step.
  const double p50_ms = static_cast<double>(done.latency_us.percentile(50)) / 1000.0;
  if (!done.drained) return finish("saturated: deliveries still missing at the deadline");
  if (done.send_errors > 0) return finish("msg.send got error replies");
  if (p50_ms > o_.stop_p50_ms) {
    char why[96];
    std::snprintf(why, sizeof why, "p50 %.1f ms above the stop threshold %.1f ms", p50_ms,
                  o_.stop_p50_ms);
    return finish(why);
  }
  step_timer_.expires_after(pause_between_steps);
  step_timer_.async_wait([this, next = plan_.index + 1](boost::system::error_code ec) {
    if (!ec) start_step(next);
  });
}

// -- the end of the run ---------------------------------------------------------

void fanout_driver::finish(std::string reason) {
  {
    std::lock_guard lock{end_mutex_};
    if (failed_ || finished_) return;
    finished_ = true;
  }
  result_.stop_reason = std::move(reason);
  phase_ = "closing";
  auto remaining = std::make_shared<std::atomic<std::size_t>>(homes_.size());
  for (std::size_t i = 0; i < homes_.size(); ++i) {
    asio::post(homes_[i]->ioc, [this, i, remaining] {
      transport_->close(i, [this, remaining] {
        if (remaining->fetch_sub(1) == 1) stop_all();
      });
    });
  }
  grace_timer_.expires_after(close_grace);
  grace_timer_.async_wait([this](boost::system::error_code ec) {
    if (!ec) stop_all();
  });
}

void fanout_driver::abort(const std::string& why) {
  {
    std::lock_guard lock{end_mutex_};
    if (failed_ || finished_) return;
    failed_ = true;
    failure_ = why;
  }
  stop_all();
}

void fanout_driver::stop_all() {
  for (auto& w : workers_)
    w->ioc.stop();
}

} // namespace parley::bench

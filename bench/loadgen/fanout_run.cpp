#include "bench/loadgen/fanout_run.hpp"

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
#include "bench/loadgen/provision.hpp"
#include "bench/loadgen/ws_client.hpp"
#include "protocol/codec.hpp"
#include "protocol/limits.hpp"

namespace parley::bench {

namespace asio = boost::asio;
using clock = ws_client::clock;
using reply = ws_client::reply;

double fanout_step::deliveries_per_second() const {
  return measured_seconds > 0 ? static_cast<double>(deliveries) / measured_seconds : 0.0;
}

double fanout_step::offered_deliveries_per_second(std::size_t members) const {
  return rate * static_cast<double>(members);
}

namespace {

constexpr auto close_grace = std::chrono::seconds(2);
constexpr auto poll_interval = std::chrono::milliseconds(20);
constexpr auto pause_between_steps = std::chrono::milliseconds(300);
/// Steps never schedule more than this many messages, whatever rate × seconds says.
constexpr std::uint64_t max_messages_per_step = 10'000'000;

std::string_view str_of(const msgpack::object* o) {
  if (!o || o->type != msgpack::type::STR) return {};
  return {o->via.str.ptr, o->via.str.size};
}

/// The cid of a scenario message: "<step>-<slot>-<due>", due = the scheduled send
/// time in steady-clock nanoseconds. Every member's push carries it back, so the
/// receiving thread needs no shared table to time the delivery.
std::string make_cid(std::size_t step, std::uint64_t slot, clock::time_point due) {
  return std::to_string(step) + "-" + std::to_string(slot) + "-" +
         std::to_string(due.time_since_epoch().count());
}

struct parsed_cid {
  std::size_t step = 0;
  clock::time_point due;
};

bool parse_cid(std::string_view cid, parsed_cid& out) {
  const char* p = cid.data();
  const char* end = p + cid.size();
  std::uint64_t step = 0, slot = 0;
  clock::rep due = 0;
  auto r = std::from_chars(p, end, step);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != '-') return false;
  r = std::from_chars(r.ptr + 1, end, slot);
  if (r.ec != std::errc{} || r.ptr == end || *r.ptr != '-') return false;
  r = std::from_chars(r.ptr + 1, end, due);
  if (r.ec != std::errc{} || r.ptr != end) return false;
  out.step = step;
  out.due = clock::time_point{clock::duration{due}};
  return true;
}

class runner {
public:
  runner(const fanout_options& o, const std::function<void(const fanout_step&)>& on_step);
  fanout_result run();

private:
  /// What one thread counted in the current step; reset on that thread at the step's
  /// start, read only after a collect posted to it.
  struct tally {
    histogram latency_us;
    std::uint64_t sent = 0, acked = 0, errors = 0, measured_acked = 0;
    std::uint64_t deliveries = 0, deliveries_all = 0, other_pushes = 0;
    std::uint64_t max_send_lag_us = 0;
    clock::time_point last_delivery{};
  };

  struct worker {
    std::size_t index = 0;
    asio::io_context ioc{1};
    asio::executor_work_guard<asio::io_context::executor_type> guard{ioc.get_executor()};
    std::unique_ptr<asio::steady_timer> send_timer;
    std::size_t step = SIZE_MAX; // the step this thread is in (filters stray pushes)
    std::uint64_t next_slot = 0; // sending: the next slot to consider
    tally t;
  };

  struct member {
    std::size_t index = 0; // room * M + position
    std::size_t room = 0;
    worker* home = nullptr;
    std::string user;
    std::string token;
    std::shared_ptr<ws_client> client;
  };

  /// The step being run; written on thread 0 before the step's tasks are posted.
  struct step_plan {
    std::size_t index = 0;
    double rate = 0;
    std::uint64_t slots = 0;
    clock::time_point t0, t_warm, deadline;
  };

  // Setup, in order.
  void start_admin();
  void connect_members();
  void create_rooms();
  void add_participants(std::size_t room, std::size_t from, std::function<void()> done);
  void open_rooms();
  // Steps.
  void start_step(std::size_t index);
  void arm(worker& w);
  void send(worker& w, std::uint64_t slot);
  void on_push(member& m, const protocol::request& frame, clock::time_point received);
  void poll_step();
  void collect_step(bool drained);
  void finish(std::string reason);

  // Helpers.
  member& sender_of(std::uint64_t slot);
  clock::time_point due(std::uint64_t slot) const;
  void abort(const std::string& why);
  void stop_all();
  ws_client::fail_handler abort_handler();

  const fanout_options& o_;
  const std::function<void(const fanout_step&)>& on_step_;
  const std::string body_;
  setup_client setup_;
  std::string admin_token_;
  std::string run_id_;

  std::vector<std::unique_ptr<worker>> workers_; // before everything that uses them
  asio::steady_timer timeout_timer_;
  asio::steady_timer step_timer_; // thread 0: polls the step, pauses between steps
  asio::steady_timer grace_timer_;
  std::shared_ptr<ws_client> admin_;
  std::vector<member> members_; // never resized after construction
  std::vector<std::string> room_ids_;

  clock::time_point t_setup_;
  step_plan plan_;
  cpu_sampler cpu_;
  // Whole-step counters for the completion check; events of another step are
  // filtered out before they count.
  std::atomic<std::uint64_t> sent_{0}, replied_{0}, acked_{0}, delivered_{0};
  std::atomic<std::size_t> collects_remaining_{0};
  std::vector<tally> collected_;
  std::mutex collect_mutex_;

  std::atomic<const char*> phase_{"connecting the admin connection"};
  fanout_result result_; // thread 0 once set up
  std::mutex end_mutex_;
  bool finished_ = false;
  bool failed_ = false;
  std::string failure_;
};

runner::runner(const fanout_options& o,
               const std::function<void(const fanout_step&)>& on_step)
    : o_(o), on_step_(on_step), body_(make_body(o.body_bytes)),
      setup_("parley-fanout", [this](const std::string& why) { abort(why); }),
      workers_([&] {
        std::vector<std::unique_ptr<worker>> w;
        for (std::size_t i = 0; i < std::max<std::size_t>(1, o.threads); ++i) {
          w.push_back(std::make_unique<worker>());
          w.back()->index = i;
          w.back()->send_timer = std::make_unique<asio::steady_timer>(w.back()->ioc);
        }
        return w;
      }()),
      timeout_timer_(workers_[0]->ioc), step_timer_(workers_[0]->ioc),
      grace_timer_(workers_[0]->ioc), room_ids_(o.rooms), cpu_(o.cpu_pids, "load"),
      collected_(workers_.size()) {
  const auto now = std::chrono::system_clock::now();
  const auto exp = token_expiry(o.timeout_seconds);
  admin_token_ = mint_admin_token(o.secret, exp);
  run_id_ = std::to_string(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())
          .count());
  members_.resize(o.rooms * o.members);
  for (std::size_t i = 0; i < members_.size(); ++i) {
    auto& m = members_[i];
    m.index = i;
    m.room = i / o.members;
    m.home = workers_[i % workers_.size()].get();
    m.user = o.user_prefix + std::to_string(m.room) + "-" + std::to_string(i % o.members);
    m.token = mint_user_token(o.secret, m.user, exp);
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
  asio::post(workers_[0]->ioc, [this] { start_admin(); });
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

void runner::start_admin() {
  admin_ = std::make_shared<ws_client>(workers_[0]->ioc, o_.target, "admin connection",
                                       abort_handler());
  std::vector<std::string> users;
  users.reserve(members_.size());
  for (const auto& m : members_)
    users.push_back(m.user);
  provision_org_and_users(
      workers_[0]->ioc, *admin_, admin_token_, o_.org, std::move(users), o_.setup_window,
      setup_, [this] { phase_ = "provisioning the org and users"; },
      [this] { connect_members(); });
}

void runner::connect_members() {
  phase_ = "connecting the members";
  windowed(
      members_.size(), o_.setup_window,
      [this](std::size_t i) -> asio::io_context& { return members_[i].home->ioc; },
      [this](std::size_t i, std::function<void()> done) {
        auto& m = members_[i];
        m.client =
            std::make_shared<ws_client>(m.home->ioc, o_.target, m.user, abort_handler());
        if (o_.source_addresses > 1) {
          const auto k = static_cast<unsigned>(i % o_.source_addresses);
          m.client->bind_source(asio::ip::address_v4{(127u << 24) | (2u + k)});
        }
        m.client->on_push(
            [this, &m](const protocol::request& frame, clock::time_point received) {
              on_push(m, frame, received);
            });
        m.client->connect(
            [this, &m, done] { setup_.hello(*m.client, m.token, m.user, done); });
      },
      [this] { create_rooms(); });
}

void runner::create_rooms() {
  phase_ = "creating the rooms";
  // Room r is created by its member 0 with up to max_participants others named; the
  // rest join with conv.participants.add, max_participants at a time.
  windowed(
      o_.rooms, std::min<std::size_t>(o_.setup_window, 64),
      [this](std::size_t r) -> asio::io_context& {
        return members_[r * o_.members].home->ioc;
      },
      [this](std::size_t r, std::function<void()> done) {
        auto& creator = members_[r * o_.members];
        const std::size_t first =
            std::min(o_.members, 1 + protocol::limits::max_participants - 1);
        std::vector<std::string> others;
        for (std::size_t k = 1; k < first; ++k)
          others.push_back(members_[r * o_.members + k].user);
        setup_.request(
            creator.client, "conv.create",
            [this, r, others = std::move(others)](auto& b) {
              b.str("kind", "private")
                  .str_list("participants", others)
                  .str("cid", "fanout-" + run_id_ + "-" + std::to_string(r));
            },
            "conv.create by " + creator.user,
            [this, r, first, done](const reply& rep) {
              auto conv = rep.frame.find("conv");
              auto id = conv ? protocol::find_in_map(*conv, "id") : nullptr;
              if (!id || id->type != msgpack::type::STR)
                return abort("conv.create reply has no conv.id string");
              room_ids_[r].assign(id->via.str.ptr, id->via.str.size);
              add_participants(r, first, done);
            });
      },
      [this] { open_rooms(); });
}

void runner::add_participants(std::size_t room, std::size_t from,
                              std::function<void()> done) {
  if (from >= o_.members) return done();
  const std::size_t to = std::min(o_.members, from + protocol::limits::max_participants);
  std::vector<std::string> users;
  for (std::size_t k = from; k < to; ++k)
    users.push_back(members_[room * o_.members + k].user);
  auto& creator = members_[room * o_.members];
  setup_.request(
      creator.client, "conv.participants.add",
      [this, room, users = std::move(users)](auto& b) {
        b.str("conv", room_ids_[room]).str_list("users", users);
      },
      "conv.participants.add by " + creator.user,
      [this, room, to, done](const reply&) { add_participants(room, to, done); });
}

void runner::open_rooms() {
  phase_ = "opening the rooms";
  windowed(
      members_.size(), o_.setup_window,
      [this](std::size_t i) -> asio::io_context& { return members_[i].home->ioc; },
      [this](std::size_t i, std::function<void()> done) {
        auto& m = members_[i];
        setup_.request(
            m.client, "conv.open",
            [this, &m](auto& b) { b.str("conv", room_ids_[m.room]); },
            "conv.open by " + m.user, [done](const reply&) { done(); });
      },
      [this] {
        asio::post(workers_[0]->ioc, [this] {
          result_.setup_seconds =
              std::chrono::duration<double>(clock::now() - t_setup_).count();
          start_step(0);
        });
      });
}

// -- steps ----------------------------------------------------------------------

// Slot k of a step is due at t0 + k / rate and goes to room k % R, sent by its member
// (k / R) % M: every room gets rate / R msgs/s and its members take turns sending.
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
void runner::arm(worker& w) {
  if (w.next_slot >= plan_.slots) return;
  w.send_timer->expires_at(due(w.next_slot));
  // A wait that completed just before the step was collected still runs, with no
  // error: the step check keeps it from reading the next step's plan.
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
  const bool measured = when >= plan_.t_warm;
  const std::size_t step = plan_.index;
  protocol::map_builder f;
  f.str("conv", room_ids_[m.room])
      .str("cid", make_cid(step, slot, when))
      .str("body", body_);
  ++w.t.sent;
  sent_.fetch_add(1, std::memory_order_relaxed);
  m.client->request("msg.send", f, [this, &w, step, measured](const reply& r) {
    if (w.step != step) return; // a reply after its step was collected
    if (r.ok) {
      ++w.t.acked;
      if (measured) ++w.t.measured_acked;
      acked_.fetch_add(1, std::memory_order_relaxed);
    } else {
      ++w.t.errors;
    }
    replied_.fetch_add(1, std::memory_order_relaxed);
  });
}

void runner::on_push(member& m, const protocol::request& frame,
                     clock::time_point received) {
  worker& w = *m.home;
  if (frame.op() != "message") {
    ++w.t.other_pushes;
    return;
  }
  parsed_cid cid;
  if (!parse_cid(str_of(frame.find("cid")), cid) || cid.step != w.step) return;
  ++w.t.deliveries_all;
  delivered_.fetch_add(1, std::memory_order_relaxed);
  if (cid.due < plan_.t_warm) return;
  ++w.t.deliveries;
  w.t.latency_us.record(micros(received - cid.due));
  w.t.last_delivery = std::max(w.t.last_delivery, received);
}

// Thread 0: the step is over when every slot was sent and answered and every acked
// message reached every member, or at its deadline.
void runner::poll_step() {
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

void runner::collect_step(bool drained) {
  cpu_.stop();
  collects_remaining_ = workers_.size();
  for (auto& wp : workers_) {
    asio::post(wp->ioc, [this, &w = *wp, drained] {
      w.send_timer->cancel();
      w.step = SIZE_MAX; // late replies and pushes of this step are ignored from now
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
        // Over the measured part of the schedule, or longer when deliveries lag
        // behind it: a step of a few messages must not count one burst as a rate.
        const auto scheduled_end =
            plan_.t0 + secs(static_cast<double>(plan_.slots) / plan_.rate);
        const auto end = std::max(last, scheduled_end);
        if (end > plan_.t_warm)
          s.measured_seconds = std::chrono::duration<double>(end - plan_.t_warm).count();
        s.cpu_seconds = cpu_.spent();
        if (on_step_) on_step_(s);
        result_.steps.push_back(std::move(s));
        const auto& done = result_.steps.back();
        // p50, not p99: on a shared machine one stall of the load generator lifts a
        // step's p99, while a median over the bound means the queue grew all step.
        const double p50_ms =
            static_cast<double>(done.latency_us.percentile(50)) / 1000.0;
        if (!done.drained)
          return finish("saturated: deliveries still missing at the deadline");
        if (done.send_errors > 0) return finish("msg.send got error replies");
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

// -- helpers --------------------------------------------------------------------

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

} // namespace

fanout_result run_fanout(const fanout_options& options,
                         const std::function<void(const fanout_step&)>& on_step) {
  runner r{options, on_step};
  return r.run();
}

} // namespace parley::bench

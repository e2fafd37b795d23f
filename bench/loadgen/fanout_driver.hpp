#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/common/cpu_time.hpp"
#include "bench/loadgen/fanout_step.hpp"

// The rate-step driver of the fan-out tools: one copy of the schedule (slots, senders,
// warm-up), the per-thread tallies, the completion check and the stop rules, so that
// parley-fanout and its NATS and XMPP peers measure the same thing. What differs per
// server is a fanout_transport: how members are set up, how one message is sent, how
// a connection closes; it reports acknowledgements and deliveries back here.
namespace parley::bench {

/// One scheduled message, handed to the transport on its sender's thread.
struct fanout_message {
  std::size_t step = 0;
  std::uint64_t slot = 0;
  std::chrono::steady_clock::time_point due; // its scheduled send time
  bool measured = false;                     // due after the step's warm-up
};

/// What a tool provides for one server. Member i (0 <= i < R*M) is in room i / M; all
/// its calls run on its io_context's thread (fanout_driver::ioc).
class fanout_transport {
public:
  virtual ~fanout_transport() = default;

  /// Thread 0, once: provision, connect and subscribe every member, then call `ready`
  /// (on any thread). The driver counts this as the setup time.
  virtual void set_up(std::function<void()> ready) = 0;

  /// Sends `m` from `member` to its room.
  virtual void send(std::size_t member, const fanout_message& m) = 0;

  /// At the end: closes the member's connection, then `closed`.
  virtual void close(std::size_t member, std::function<void()> closed) = 0;
};

class fanout_driver {
public:
  using clock = std::chrono::steady_clock;

  /// `on_step` is called as each step ends (on thread 0).
  fanout_driver(const fanout_common_options& o,
                const std::function<void(const fanout_step&)>& on_step);

  /// Sets up through `t`, runs the rate steps (stopping after the first saturated one,
  /// one with error replies, or one whose p50 is above the bound) and closes. Never
  /// throws for anything the server does.
  fanout_result run(fanout_transport& t);

  // -- for the transport ------------------------------------------------------------
  std::size_t members() const { return homes_.size(); }
  std::size_t room_of(std::size_t member) const { return member / o_.members; }
  /// The io_context member `member` lives on, and thread 0's.
  boost::asio::io_context& ioc(std::size_t member) { return homes_[member]->ioc; }
  boost::asio::io_context& main_ioc() { return workers_[0]->ioc; }
  /// What the run is doing, for the timeout's message (a string literal).
  void set_phase(const char* phase) { phase_ = phase; }
  /// Ends the run as failed, with `why`; any thread.
  void abort(const std::string& why);

  // Reports, each on the member's thread. `step` is the step of the message concerned:
  // anything of a step already collected is ignored.
  /// `count` messages acknowledged, `measured` of them due after the warm-up.
  void acked(std::size_t member, std::size_t step, std::uint64_t count,
             std::uint64_t measured);
  /// One message refused with an error reply.
  void refused(std::size_t member, std::size_t step);
  /// One copy of the message due at `due` reached `member` at `received`.
  void delivered(std::size_t member, std::size_t step, clock::time_point due,
                 clock::time_point received);
  /// Anything else reached `member`.
  void other(std::size_t member);
  /// The step `member`'s thread is in (none between steps), for an acknowledgement
  /// that names no message.
  std::size_t current_step(std::size_t member) const { return homes_[member]->step; }

  /// current_step() between steps.
  static constexpr std::size_t no_step = SIZE_MAX;

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
    boost::asio::io_context ioc{1};
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{
        ioc.get_executor()};
    std::unique_ptr<boost::asio::steady_timer> send_timer;
    std::size_t step = no_step;  // the step this thread is in (filters stray events)
    std::uint64_t next_slot = 0; // sending: the next slot to consider
    tally t;
  };

  /// The step being run; written on thread 0 before the step's tasks are posted.
  struct step_plan {
    std::size_t index = 0;
    double rate = 0;
    std::uint64_t slots = 0;
    clock::time_point t0, t_warm, deadline;
  };

  void start_step(std::size_t index);
  void arm(worker& w);
  void poll_step();
  void collect_step(bool drained);
  void report_step(bool drained);
  void finish(std::string reason);
  void stop_all();
  static bool counts(const worker& w, std::size_t step);
  std::size_t sender_of(std::uint64_t slot) const;
  clock::time_point due(std::uint64_t slot) const;

  const fanout_common_options& o_;
  const std::function<void(const fanout_step&)>& on_step_;
  fanout_transport* transport_ = nullptr;

  std::vector<std::unique_ptr<worker>> workers_; // before everything that uses them
  std::vector<worker*> homes_;                   // by member
  boost::asio::steady_timer timeout_timer_;
  boost::asio::steady_timer step_timer_; // thread 0: polls the step, pauses between
  boost::asio::steady_timer grace_timer_;

  clock::time_point t_setup_;
  step_plan plan_;
  cpu_sampler cpu_;
  // Whole-step counters for the completion check; events of another step are
  // filtered out before they count.
  std::atomic<std::uint64_t> sent_{0}, replied_{0}, acked_{0}, delivered_{0};
  std::atomic<std::size_t> collects_remaining_{0};
  std::vector<tally> collected_;
  std::mutex collect_mutex_;

  std::atomic<const char*> phase_{"setting up"};
  fanout_result result_; // thread 0 once set up
  std::mutex end_mutex_;
  bool finished_ = false;
  bool failed_ = false;
  std::string failure_;
};

} // namespace parley::bench

#include "net/shard_scheduler.hpp"

#include <future>
#include <limits>
#include <utility>

#include <boost/asio/post.hpp>

#include <caf/detail/set_thread_name.hpp>
#include <caf/detail/type_list.hpp>

namespace parley::net {

namespace asio = boost::asio;

namespace {

thread_local shard_scheduler::shard* this_shard = nullptr;

/// A job posted to a shard. If the shard stops before it runs, the actor is
/// released the way CAF's own scheduler releases what its queues still hold.
class posted_job {
public:
  posted_job(shard_scheduler::shard* at, caf::resumable* job) : at_(at), job_(job) {}
  posted_job(posted_job&& other) noexcept
      : at_(other.at_), job_(std::exchange(other.job_, nullptr)) {}
  posted_job(const posted_job&) = delete;
  posted_job& operator=(const posted_job&) = delete;
  posted_job& operator=(posted_job&&) = delete;
  ~posted_job() {
    if (job_) caf::scheduler::abstract_coordinator::cleanup_and_release(job_);
  }
  void operator()() { at_->run(std::exchange(job_, nullptr)); }

private:
  shard_scheduler::shard* at_;
  caf::resumable* job_;
};

} // namespace

// --- shard -------------------------------------------------------------------

shard_scheduler::shard::shard(caf::actor_system& sys, std::size_t max_throughput)
    : caf::execution_unit(&sys), max_throughput_(max_throughput),
      work_(asio::make_work_guard(ioc_)) {}

shard_scheduler::shard::~shard() {
  stop_thread();
}

shard_scheduler::shard* shard_scheduler::shard::current() {
  return this_shard;
}

void shard_scheduler::shard::exec_later(caf::resumable* job) {
  asio::post(ioc_, posted_job{this, job});
}

void shard_scheduler::shard::run(caf::resumable* job) {
  // What CAF's worker does with a job it dequeued (scheduler/worker.hpp), without
  // the logger's per-job actor id lookup (a dynamic_cast per job).
  switch (job->resume(this, max_throughput_)) {
  case caf::resumable::resume_later:
    exec_later(job); // its mailbox still has messages: after the others' turn
    break;
  case caf::resumable::done:
  case caf::resumable::awaiting_message:
  case caf::resumable::shutdown_execution_unit:
    intrusive_ptr_release(job);
    break;
  }
}

void shard_scheduler::shard::start_thread() {
  thread_ = std::thread{[this] {
    caf::detail::set_thread_name("parley.shard");
    system().thread_started();
    this_shard = this;
    ioc_.run();
    this_shard = nullptr;
    system().thread_terminates();
  }};
}

void shard_scheduler::shard::drain() {
  if (!thread_.joinable()) return;
  std::promise<void> done;
  auto ran = done.get_future();
  asio::post(ioc_, [&done] { done.set_value(); });
  ran.wait();
}

void shard_scheduler::shard::stop_thread() {
  work_.reset();
  ioc_.stop();
  if (thread_.joinable()) thread_.join();
}

// --- shard_scheduler ---------------------------------------------------------

shard_scheduler::shard_scheduler(caf::actor_system& sys) : abstract_coordinator(sys) {}

shard_scheduler::~shard_scheduler() = default;

caf::actor_system::module* shard_scheduler::make(caf::actor_system& sys,
                                                 caf::detail::type_list<>) {
  // CAF's module interface hands out an owning raw pointer (actor_system keeps it
  // in a unique_ptr), as its own coordinator's make() does.
  return std::make_unique<shard_scheduler>(sys).release();
}

shard_scheduler* shard_scheduler::of(caf::actor_system& sys) {
  return dynamic_cast<shard_scheduler*>(&sys.scheduler());
}

std::vector<asio::io_context*> shard_scheduler::contexts() {
  std::vector<asio::io_context*> out;
  for (auto& s : shards_)
    out.push_back(&s->context());
  return out;
}

void shard_scheduler::enqueue(caf::resumable* job) {
  // A shard's own thread keeps the job (no wake-up); any other thread deals them
  // out in turn.
  auto* here = shard::current();
  if (here != nullptr && &here->system() == &system()) return here->exec_later(job);
  if (stopped_.load(std::memory_order_acquire)) return cleanup_and_release(job);
  shards_[next_worker_++ % shards_.size()]->exec_later(job);
}

void shard_scheduler::init(caf::actor_system_config& cfg) {
  abstract_coordinator::init(cfg);
  if (max_throughput_ == std::numeric_limits<std::size_t>::max())
    max_throughput_ = default_max_throughput;
}

void shard_scheduler::start() {
  auto n = std::max<std::size_t>(num_workers(), 1);
  for (std::size_t i = 0; i < n; ++i)
    shards_.push_back(std::make_unique<shard>(system(), max_throughput()));
  for (auto& s : shards_)
    s->start_thread();
  clock_thread_ = std::thread{[this] {
    caf::detail::set_thread_name("caf.clock");
    system().thread_started();
    clock_.run_dispatch_loop();
    system().thread_terminates();
  }};
  abstract_coordinator::start();
}

void shard_scheduler::stop() {
  // By now the actor system has waited for its actors; the utility actors go
  // next, then each shard runs what is left and its thread ends. Jobs still
  // posted when a shard stops are released by posted_job's destructor.
  stop_actors();
  clock_.cancel_dispatch_loop(); // no delayed message is enqueued after this
  if (clock_thread_.joinable()) clock_thread_.join();
  for (auto& s : shards_)
    s->drain();
  for (auto& s : shards_)
    s->stop_thread();
  // Nothing runs any more: what is enqueued from now on is released at once, and
  // what the shards still hold (jobs, sockets) is destroyed here, while the
  // actor system is still whole.
  stopped_.store(true, std::memory_order_release);
  shards_.clear();
}

} // namespace parley::net

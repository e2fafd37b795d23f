#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <caf/actor_system.hpp>
#include <caf/detail/thread_safe_actor_clock.hpp>
#include <caf/execution_unit.hpp>
#include <caf/resumable.hpp>
#include <caf/scheduler/abstract_coordinator.hpp>

namespace parley::net {

/// CAF's scheduler replaced by the io shards: every event-based actor runs on one
/// of the threads that also run the sockets. A frame read on a shard wakes its
/// session on the same thread, the session's request wakes the conversation there
/// too, and the reply is written there: no futex and no second thread between a
/// frame and its answer. Only what is meant to cross does (the writer's commit, a
/// db worker's read, a frame for a connection on another shard).
///
/// A job enqueued from a shard's thread runs later on that shard; one enqueued
/// from any other thread (a detached actor, the clock, main) goes to the shards in
/// turn. An actor therefore has no home: it runs where it was woken, and an actor
/// already scheduled collects further messages wherever it runs.
///
/// An actor gives its shard back after `scheduler.max-throughput` messages in a
/// row (default_max_throughput unless configured; CAF's own default is unbounded):
/// the shard's sockets and the other actors on it must not wait behind one actor's
/// backlog.
///
/// Loaded in place of CAF's work-stealing coordinator with
/// `cfg.load<net::shard_scheduler>()`; `scheduler.max-threads` is the number of
/// shards. The shards live as long as the actor system, so net::server borrows
/// them (`contexts()`) and never stops them; the scheduler stops them last, after
/// every actor is done.
class shard_scheduler : public caf::scheduler::abstract_coordinator {
public:
  explicit shard_scheduler(caf::actor_system& sys);
  ~shard_scheduler() override;

  static caf::actor_system::module* make(caf::actor_system& sys,
                                         caf::detail::type_list<>);

  /// Messages an actor handles in one turn on its shard, unless configured.
  static constexpr std::size_t default_max_throughput = 100;

  /// The shards' io_contexts, each run by one thread from start() to stop().
  std::vector<boost::asio::io_context*> contexts();

  void enqueue(caf::resumable* job) override;
  caf::detail::thread_safe_actor_clock& clock() noexcept override { return clock_; }

  /// The scheduler of `sys` when it is a shard_scheduler, else nullptr.
  static shard_scheduler* of(caf::actor_system& sys);

  /// One shard: the execution unit CAF hands to the actors it resumes.
  class shard;

protected:
  void init(caf::actor_system_config& cfg) override;
  void start() override;
  void stop() override;

private:
  std::vector<std::unique_ptr<shard>> shards_;
  std::atomic<bool> stopped_{false};
  caf::detail::thread_safe_actor_clock clock_;
  std::thread clock_thread_;
};

class shard_scheduler::shard final : public caf::execution_unit {
public:
  shard(caf::actor_system& sys, std::size_t max_throughput);
  ~shard() override;

  /// Runs `job` on this shard's thread, after what is already queued there.
  void exec_later(caf::resumable* job) override;

  boost::asio::io_context& context() { return ioc_; }

  /// The shard whose thread this is, or nullptr.
  static shard* current();

  void start_thread();
  /// Runs everything queued so far (and what that queues on this shard), then
  /// returns: the shutdown's last round before the thread stops.
  void drain();
  void stop_thread();

  /// Resumes `job` for one turn, on this shard's thread (what a job posted by
  /// exec_later does when its turn comes).
  void run(caf::resumable* job);

private:
  std::size_t max_throughput_;
  boost::asio::io_context ioc_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

} // namespace parley::net

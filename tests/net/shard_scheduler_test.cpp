// net/shard_scheduler with a real actor system: actors run on the shards' threads,
// an actor woken from a shard runs on that shard (no thread crossing), work from
// other threads is dealt to the shards in turn, Asio handlers and actors share a
// shard's thread, an actor's backlog gives the shard back between turns, and the
// system shuts down with work still pending.
#include "net/shard_scheduler.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include <boost/asio/post.hpp>
#include <caf/all.hpp>
#include <gtest/gtest.h>

namespace {

using parley::net::shard_scheduler;
using namespace std::chrono_literals;

using where_atom = caf::atom_constant<caf::atom("where")>;
using relay_atom = caf::atom_constant<caf::atom("relay")>;
using spin_atom = caf::atom_constant<caf::atom("spin")>;

std::uint64_t this_thread_tag() {
  return std::hash<std::thread::id>{}(std::this_thread::get_id());
}

/// Answers where it runs: the thread, and whether that thread is a shard.
caf::behavior reporter(caf::event_based_actor*) {
  return {
      [](where_atom) {
        return caf::make_message(this_thread_tag(),
                                 shard_scheduler::shard::current() != nullptr);
      },
  };
}

/// Asks `peer` where it runs and answers whether that is this actor's thread.
caf::behavior relay(caf::event_based_actor* self, caf::actor peer) {
  return {
      [=](relay_atom) -> caf::result<bool> {
        auto rp = self->make_response_promise<bool>();
        auto mine = this_thread_tag();
        self->request(peer, caf::infinite, where_atom::value)
            .then(
                [=](std::uint64_t theirs, bool) mutable { rp.deliver(theirs == mine); });
        return rp;
      },
  };
}

/// Sends itself a message forever: work that is still queued at shutdown.
caf::behavior spinner(caf::event_based_actor* self) {
  self->send(self, spin_atom::value);
  return {
      [=](spin_atom) { self->send(self, spin_atom::value); },
  };
}

struct shard_config : caf::actor_system_config {
  explicit shard_config(std::size_t shards) {
    load<shard_scheduler>();
    set("scheduler.max-threads", shards);
    set("logger.verbosity", caf::atom("quiet"));
  }
};

struct where_answer {
  std::uint64_t thread = 0;
  bool on_shard = false;
};

where_answer ask_where(caf::actor_system& sys, const caf::actor& a) {
  where_answer out;
  caf::scoped_actor self{sys};
  self->request(a, std::chrono::seconds{10}, where_atom::value)
      .receive(
          [&](std::uint64_t thread, bool on_shard) {
            out = {thread, on_shard};
          },
          [&](const caf::error& e) { ADD_FAILURE() << sys.render(e); });
  return out;
}

TEST(ShardScheduler, IsTheSystemsSchedulerWithOneContextPerShard) {
  shard_config cfg{3};
  caf::actor_system sys{cfg};
  auto* s = shard_scheduler::of(sys);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->contexts().size(), 3u);
}

TEST(ShardScheduler, OfIsNullForCafsOwnScheduler) {
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{cfg};
  EXPECT_EQ(shard_scheduler::of(sys), nullptr);
}

TEST(ShardScheduler, ActorsRunOnShardThreads) {
  shard_config cfg{2};
  caf::actor_system sys{cfg};
  for (int i = 0; i < 8; ++i) {
    auto a = sys.spawn(reporter);
    auto w = ask_where(sys, a);
    EXPECT_TRUE(w.on_shard);
    EXPECT_NE(w.thread, this_thread_tag());
  }
}

TEST(ShardScheduler, WorkFromOtherThreadsIsDealtToEveryShard) {
  shard_config cfg{2};
  caf::actor_system sys{cfg};
  // Two idle actors woken one after the other from this (foreign) thread: the
  // scheduler deals the two wake-ups to the two shards.
  std::vector<std::shared_ptr<std::promise<std::uint64_t>>> seen;
  std::vector<caf::actor> actors;
  for (int i = 0; i < 2; ++i) {
    auto p = std::make_shared<std::promise<std::uint64_t>>();
    seen.push_back(p);
    actors.push_back(sys.spawn([p](caf::event_based_actor*) -> caf::behavior {
      return {
          [](where_atom) {
            return caf::make_message(this_thread_tag(),
                                     shard_scheduler::shard::current() != nullptr);
          },
          [p](relay_atom) { p->set_value(this_thread_tag()); },
      };
    }));
  }
  for (auto& a : actors)
    ask_where(sys, a);
  std::this_thread::sleep_for(20ms); // both idle
  for (auto& a : actors)
    caf::anon_send(a, relay_atom::value);
  EXPECT_NE(seen[0]->get_future().get(), seen[1]->get_future().get());
}

TEST(ShardScheduler, AnActorWokenFromAShardRunsOnThatShard) {
  shard_config cfg{2};
  caf::actor_system sys{cfg};
  caf::scoped_actor self{sys};
  for (int i = 0; i < 16; ++i) {
    // A fresh idle peer each time: whoever wakes it decides where it runs.
    auto peer = sys.spawn(reporter);
    ask_where(sys, peer);
    auto r = sys.spawn(relay, peer);
    std::this_thread::sleep_for(5ms); // both idle
    self->request(r, std::chrono::seconds{10}, relay_atom::value)
        .receive([](bool same_thread) { EXPECT_TRUE(same_thread); },
                 [&](const caf::error& e) { ADD_FAILURE() << sys.render(e); });
  }
}

TEST(ShardScheduler, AnActorWokenByAnAsioHandlerRunsOnItsShard) {
  shard_config cfg{2};
  caf::actor_system sys{cfg};
  auto* s = shard_scheduler::of(sys);
  ASSERT_NE(s, nullptr);
  for (auto* ioc : s->contexts()) {
    auto seen = std::make_shared<std::promise<std::uint64_t>>();
    auto a = sys.spawn([seen](caf::event_based_actor*) -> caf::behavior {
      return {
          [](where_atom) {
            return caf::make_message(this_thread_tag(),
                                     shard_scheduler::shard::current() != nullptr);
          },
          [seen](relay_atom) { seen->set_value(this_thread_tag()); },
      };
    });
    ask_where(sys, a);                 // started, answered...
    std::this_thread::sleep_for(20ms); // ...and idle again
    // A handler on the shard (as a socket's read handler is) wakes the idle
    // actor: it runs on the handler's thread, after the handler.
    std::promise<std::uint64_t> handler_thread;
    boost::asio::post(*ioc, [&] {
      handler_thread.set_value(this_thread_tag());
      caf::anon_send(a, relay_atom::value);
    });
    auto handler = handler_thread.get_future().get();
    EXPECT_EQ(seen->get_future().get(), handler);
    EXPECT_NE(handler, this_thread_tag());
  }
}

TEST(ShardScheduler, AnActorsBacklogDoesNotHoldItsShard) {
  shard_config cfg{1};
  caf::actor_system sys{cfg};
  auto* s = shard_scheduler::of(sys);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->max_throughput(), shard_scheduler::default_max_throughput);
  constexpr int backlog = 1000;
  auto handler_ran = std::make_shared<std::atomic<bool>>(false);
  auto seen_at = std::make_shared<std::atomic<int>>(-1); // first message after it
  auto done = std::make_shared<std::promise<void>>();
  auto a = sys.spawn([=](caf::event_based_actor*) -> caf::behavior {
    return {
        [](where_atom) {
          return caf::make_message(this_thread_tag(),
                                   shard_scheduler::shard::current() != nullptr);
        },
        [=](int i) {
          if (handler_ran->load() && seen_at->load() < 0) seen_at->store(i);
          if (i == backlog - 1) done->set_value();
        },
    };
  });
  ask_where(sys, a); // started; idle once this returns
  std::this_thread::sleep_for(20ms);
  auto* ioc = s->contexts().front();
  boost::asio::post(*ioc, [&] {
    for (int i = 0; i < backlog; ++i)
      caf::anon_send(a, i); // the first wakes it: its turn is queued behind us
    // A socket's handler, due after the actor's first turn.
    boost::asio::post(*ioc, [=] { handler_ran->store(true); });
  });
  done->get_future().wait();
  EXPECT_EQ(seen_at->load(), static_cast<int>(shard_scheduler::default_max_throughput));
}

TEST(ShardScheduler, ShutsDownWithWorkStillQueuedAndTimersPending) {
  auto started = std::chrono::steady_clock::now();
  {
    shard_config cfg{2};
    caf::actor_system sys{cfg};
    auto spinning = sys.spawn(spinner);
    auto waiting = sys.spawn(reporter);
    caf::delayed_anon_send(waiting, std::chrono::hours{1}, where_atom::value);
    std::this_thread::sleep_for(50ms);
    caf::anon_send_exit(spinning, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(waiting, caf::exit_reason::user_shutdown);
  }
  // The pending timer is cancelled, not waited for.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

} // namespace

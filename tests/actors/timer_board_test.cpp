// The node's timer board and its ticker (actors/node/timers.hpp): when an actor
// must poke the ticker, when the ticker schedules itself, and that every filed
// timer wakes its actor with its atom, never early, under CAF's test scheduler.
#include "actors/node/timers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/actors/scripted_peers.hpp"

namespace parley {
namespace {

using namespace std::chrono_literals;
using scripted::test_system;

TEST(timer_board, pokes_once_until_the_ticker_schedules_itself) {
  timer_board board{25ms, 1000ms};
  caf::actor_addr nobody;
  EXPECT_TRUE(board.arm(nobody, 5000, timer_kind::idle)); // nothing pending
  EXPECT_FALSE(board.arm(nobody, 100, timer_kind::idle)); // the poke is on its way
  auto s = board.take_due(0, 0);                          // the poke arrives
  EXPECT_TRUE(s.due.empty());
  EXPECT_EQ(s.schedule_at, 100); // the earliest bucket
  EXPECT_EQ(board.pending(), 2u);
  EXPECT_FALSE(board.arm(nobody, 130, timer_kind::idle)); // the tick at 100 comes first
  EXPECT_TRUE(board.arm(nobody, 60, timer_kind::idle));   // earlier than any tick
  auto poke = board.take_due(10, 0);
  EXPECT_EQ(poke.schedule_at, 75);
  auto first = board.take_due(75, poke.generation);
  EXPECT_EQ(first.due.size(), 1u);
  // The board remembers only its earliest pending tick: the superseded one (at
  // 100) still comes and only sweeps, and a tick of the current generation is
  // scheduled for the same time.
  EXPECT_EQ(first.schedule_at, 100);
  auto stale = board.take_due(100, s.generation);
  EXPECT_EQ(stale.due.size(), 1u);
  EXPECT_EQ(stale.schedule_at, std::nullopt); // first's tick is pending and in time
  auto current = board.take_due(100, first.generation);
  EXPECT_TRUE(current.due.empty());
  EXPECT_EQ(current.schedule_at, 150);
}

TEST(timer_board, ticks_at_least_every_horizon_while_anything_is_filed) {
  timer_board board{25ms, 1000ms};
  caf::actor_addr nobody;
  EXPECT_TRUE(board.arm(nobody, 30'000, timer_kind::answer_deadline));
  auto s = board.take_due(0, 0);
  EXPECT_EQ(s.schedule_at, 1000);
  // A timer due after the next tick never pokes: that tick files the next one.
  EXPECT_FALSE(board.arm(nobody, 6000, timer_kind::typing_tick));
  auto t = board.take_due(1000, s.generation);
  EXPECT_TRUE(t.due.empty());
  EXPECT_EQ(t.schedule_at, 2000);
  auto u = board.take_due(6000, t.generation);
  EXPECT_EQ(u.due.size(), 1u);
  EXPECT_EQ(u.schedule_at, 7000);
  auto last = board.take_due(30'000, u.generation);
  EXPECT_EQ(last.due.size(), 1u);
  EXPECT_EQ(last.schedule_at, std::nullopt); // empty: the next arm pokes
  EXPECT_TRUE(board.arm(nobody, 31'000, timer_kind::idle));
}

// Every actor thread files and the ticker takes at the same time: nothing filed is
// lost or taken twice (and under TSan, scripts/test --sanitize, no race).
TEST(timer_board, filing_from_many_threads_while_the_ticker_takes) {
  timer_board board{1ms, 1000ms};
  constexpr int threads = 4, each = 5000;
  std::atomic<int> filing{threads};
  std::vector<std::thread> filers;
  for (int t = 0; t < threads; ++t)
    filers.emplace_back([&, t] {
      for (int i = 0; i < each; ++i)
        board.arm(caf::actor_addr{}, (t * each + i) % 50, timer_kind::idle);
      --filing;
    });
  std::size_t taken = 0;
  std::int64_t now = 0;
  while (filing > 0 || board.pending() > 0)
    taken += board.take_due(now++ % 60, 0).due.size();
  for (auto& f : filers)
    f.join();
  taken += board.take_due(1000, 0).due.size();
  EXPECT_EQ(taken, static_cast<std::size_t>(threads * each));
  EXPECT_EQ(board.pending(), 0u);
}

/// Records which timer atoms it got.
caf::behavior recorder(caf::event_based_actor*,
                       std::shared_ptr<std::vector<std::string>> got) {
  return {
      [=](answer_deadline_atom) { got->push_back("deadline"); },
      [=](typing_tick_atom) { got->push_back("typing"); },
      [=](idle_atom) { got->push_back("idle"); },
  };
}

using arm_atom = caf::atom_constant<caf::atom("arm")>;

/// Files timers for itself through the board, as sessions and conversations do.
caf::behavior self_arming(caf::event_based_actor* self, node_timers timers,
                          std::shared_ptr<std::vector<std::string>> got) {
  return {
      [=](arm_atom, std::int64_t after_ms) {
        arm_timer(self, timers, std::chrono::milliseconds{after_ms}, idle_atom_v);
      },
      [=](idle_atom) { got->push_back("idle"); },
  };
}

class ticker : public ::testing::Test, public test_system {
protected:
  ticker() {
    timers.board = std::make_shared<timer_board>(25ms, 1000ms);
    timers.ticker = sys.spawn(timer_ticker, timers.board);
    sched.run();
  }
  ~ticker() override {
    caf::anon_send_exit(timers.ticker, caf::exit_reason::user_shutdown);
    sched.run();
  }

  std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               sched.clock().now().time_since_epoch())
        .count();
  }

  void arm(const caf::actor& who, std::int64_t after_ms, timer_kind kind) {
    if (timers.board->arm(caf::actor_cast<caf::actor_addr>(who), now() + after_ms, kind))
      caf::anon_send(timers.ticker, timer_tick_atom_v, std::uint64_t{0});
    sched.run();
  }

  void advance(std::chrono::milliseconds d) {
    sched.advance_time(d);
    sched.run();
  }

  node_timers timers;
  std::shared_ptr<std::vector<std::string>> got =
      std::make_shared<std::vector<std::string>>();
};

TEST_F(ticker, wakes_each_actor_with_its_atom_never_early) {
  auto a = sys.spawn(recorder, got);
  auto start = now();
  arm(a, 100, timer_kind::answer_deadline);
  arm(a, 2500, timer_kind::typing_tick);
  arm(a, 40, timer_kind::idle);
  advance(std::chrono::milliseconds{(start + 40 + 24) / 25 * 25 - start - 1});
  EXPECT_TRUE(got->empty());
  advance(1ms);
  EXPECT_EQ(*got, (std::vector<std::string>{"idle"}));
  advance(100ms);
  EXPECT_EQ(*got, (std::vector<std::string>{"idle", "deadline"}));
  for (int i = 0; i < 30; ++i) // the horizon ticks carry it to 2.5 s
    advance(100ms);
  EXPECT_EQ(*got, (std::vector<std::string>{"idle", "deadline", "typing"}));
  EXPECT_EQ(timers.board->pending(), 0u);
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

TEST_F(ticker, a_stopped_actor_is_skipped_and_others_still_woken) {
  auto gone = sys.spawn(recorder, got);
  auto stays = sys.spawn(recorder, got);
  arm(gone, 50, timer_kind::idle);
  arm(stays, 50, timer_kind::answer_deadline);
  caf::anon_send_exit(gone, caf::exit_reason::user_shutdown);
  sched.run();
  gone = nullptr;
  advance(100ms);
  EXPECT_EQ(*got, (std::vector<std::string>{"deadline"}));
  caf::anon_send_exit(stays, caf::exit_reason::user_shutdown);
}

TEST_F(ticker, arm_timer_files_on_the_board_and_without_one_uses_delayed_send) {
  auto on_board = sys.spawn(self_arming, timers, got);
  caf::anon_send(on_board, arm_atom::value, std::int64_t{60});
  sched.run();
  EXPECT_EQ(timers.board->pending(), 1u);
  advance(100ms);
  EXPECT_EQ(*got, (std::vector<std::string>{"idle"}));
  auto plain = sys.spawn(self_arming, node_timers{}, got);
  caf::anon_send(plain, arm_atom::value, std::int64_t{60});
  sched.run();
  EXPECT_EQ(timers.board->pending(), 0u);
  advance(100ms);
  EXPECT_EQ(*got, (std::vector<std::string>{"idle", "idle"}));
  caf::anon_send_exit(on_board, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(plain, caf::exit_reason::user_shutdown);
}

} // namespace
} // namespace parley

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "actors/api/interfaces.hpp"
#include "actors/rules/deadline_wheel.hpp"

// The node's timers for its actors' own deadlines: a session's answer deadline and
// a service session's token expiry, a conversation's database deadline, typing
// expiry and idle check.
//
// Why not `delayed_send`: CAF 0.17's clock is one thread fed through a ring
// buffer, and every timer set wakes it (and every fire wakes it again). At chat
// rates nearly every request sets one, so that thread was 9% of parleyd's CPU in
// the mixed chat day, and the wake-ups most of its cost (bench/RESULTS.md "Hot
// path, round 6"). Here an actor files its deadline on a board under a mutex (no
// message, no wake-up), and one ticker actor takes what is due, at most once per
// granularity (50 ms) and at least once per horizon (1 s) while anything is filed.
namespace parley {

/// What a timer wakes its actor with (each is an atom the actor already handles).
enum class timer_kind : std::uint8_t {
  answer_deadline,
  typing_tick,
  idle,
  auth_deadline
};

constexpr timer_kind timer_kind_of(answer_deadline_atom) {
  return timer_kind::answer_deadline;
}
constexpr timer_kind timer_kind_of(typing_tick_atom) {
  return timer_kind::typing_tick;
}
constexpr timer_kind timer_kind_of(idle_atom) {
  return timer_kind::idle;
}
constexpr timer_kind timer_kind_of(auth_deadline_atom) {
  return timer_kind::auth_deadline;
}

/// The filed timers and the ticker's schedule; thread-safe (every actor thread
/// files, the ticker takes).
class timer_board {
public:
  struct entry {
    caf::actor_addr who; // weak: a stopped actor is not kept alive by its timer
    timer_kind kind = timer_kind::answer_deadline;
  };

  /// What the ticker does after a tick: wake these, and schedule its next tick
  /// (`schedule_at`, with generation `generation`) unless one already pending
  /// comes in time.
  struct sweep {
    std::vector<entry> due;
    std::optional<std::int64_t> schedule_at;
    std::uint64_t generation = 0;
  };

  /// Timers are taken at most `granularity` late; while any is filed the ticker
  /// ticks at least every `horizon`, so a timer due later than that never needs
  /// to wake it.
  explicit timer_board(
      std::chrono::milliseconds granularity = std::chrono::milliseconds{50},
      std::chrono::milliseconds horizon = std::chrono::milliseconds{1000});

  /// Files a timer of `who` for `due_ms` (the actor clock). True when the caller
  /// must poke the ticker (a tick of generation 0): no pending tick takes this
  /// timer in time and no poke is on its way yet.
  bool arm(caf::actor_addr who, std::int64_t due_ms, timer_kind kind);

  /// For the ticker, on its tick of `generation` (0: a poke) at `now_ms`.
  sweep take_due(std::int64_t now_ms, std::uint64_t generation);

  /// Timers filed and not yet taken.
  std::size_t pending() const;

private:
  struct scheduled_tick {
    std::int64_t at = 0;
    std::uint64_t generation = 0;
  };

  mutable std::mutex mx_;
  deadline_wheel<entry> wheel_;
  std::int64_t horizon_ms_;
  std::optional<scheduled_tick> scheduled_; // the earliest tick known pending
  std::uint64_t generations_ = 0;
  bool poked_ = false; // a generation-0 tick is on its way
};

/// A node's board and its ticker, handed to sessions and conversations. Empty in
/// actor tests that run without one: timers then fall back to `delayed_send`.
struct node_timers {
  std::shared_ptr<timer_board> board;
  timer_actor ticker;
};

/// The ticker: wakes every due timer's actor with its atom.
timer_actor::behavior_type timer_ticker(timer_actor::pointer self,
                                        std::shared_ptr<timer_board> board);

/// Milliseconds on `self`'s actor clock (the test clock under the test scheduler).
template <class Self>
std::int64_t actor_clock_ms(Self* self) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(self->clock().now().time_since_epoch()).count();
}

/// Wakes `self` with `atom` after `after` (at most the board's granularity later).
template <class Self, class Atom>
void arm_timer(Self* self, const node_timers& timers, std::chrono::milliseconds after,
               Atom atom) {
  if (!timers.board) {
    self->delayed_send(self, after, atom);
    return;
  }
  auto due = actor_clock_ms(self) + after.count();
  if (timers.board->arm(self->address(), due, timer_kind_of(atom)))
    self->send(timers.ticker, timer_tick_atom_v, std::uint64_t{0});
}

} // namespace parley

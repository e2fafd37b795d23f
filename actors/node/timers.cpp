#include "actors/node/timers.hpp"

#include <algorithm>

namespace parley {

timer_board::timer_board(std::chrono::milliseconds granularity,
                         std::chrono::milliseconds horizon)
    : wheel_(granularity.count()),
      horizon_ms_(std::max<std::int64_t>(horizon.count(), wheel_.granularity())) {}

bool timer_board::arm(caf::actor_addr who, std::int64_t due_ms, timer_kind kind) {
  std::lock_guard<std::mutex> guard{mx_};
  auto at = wheel_.boundary(due_ms);
  wheel_.add(due_ms, entry{std::move(who), kind});
  if (poked_ || (scheduled_ && scheduled_->at <= at)) return false;
  poked_ = true;
  return true;
}

timer_board::sweep timer_board::take_due(std::int64_t now_ms, std::uint64_t generation) {
  std::lock_guard<std::mutex> guard{mx_};
  if (generation == 0) poked_ = false;
  // The pending tick has come (a superseded one, with an older generation, only
  // sweeps).
  if (scheduled_ && generation != 0 && scheduled_->generation == generation)
    scheduled_.reset();
  sweep s;
  s.due = wheel_.take_due(now_ms);
  if (auto next = wheel_.next_due()) {
    auto at = std::min(*next, now_ms + horizon_ms_);
    if (!scheduled_ || at < scheduled_->at) {
      scheduled_ = scheduled_tick{at, ++generations_};
      s.schedule_at = at;
      s.generation = scheduled_->generation;
    }
  }
  return s;
}

std::size_t timer_board::pending() const {
  std::lock_guard<std::mutex> guard{mx_};
  return wheel_.size();
}

namespace {

/// Sends `e`'s atom to its actor. Anonymously: the ticker is typed and its
/// targets (sessions, conversations) reach it only as weak addresses.
void wake(const timer_board::entry& e) {
  auto to = caf::actor_cast<caf::actor>(e.who);
  if (!to) return; // stopped since
  switch (e.kind) {
  case timer_kind::answer_deadline:
    caf::anon_send(to, answer_deadline_atom_v);
    break;
  case timer_kind::typing_tick:
    caf::anon_send(to, typing_tick_atom_v);
    break;
  case timer_kind::idle:
    caf::anon_send(to, idle_atom_v);
    break;
  case timer_kind::auth_deadline:
    caf::anon_send(to, auth_deadline_atom_v);
    break;
  }
}

} // namespace

timer_actor::behavior_type timer_ticker(timer_actor::pointer self,
                                        std::shared_ptr<timer_board> board) {
  return {
      [=](timer_tick_atom, std::uint64_t generation) {
        auto now = actor_clock_ms(self);
        auto s = board->take_due(now, generation);
        for (const auto& e : s.due)
          wake(e);
        if (s.schedule_at)
          self->delayed_send(self, std::chrono::milliseconds{*s.schedule_at - now},
                             timer_tick_atom_v, s.generation);
      },
  };
}

} // namespace parley

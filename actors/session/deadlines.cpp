// The deadlines of a session's requests to conversations and to the database
// actors: one timer per session rather than one CAF request timeout per request
// (see session_state::awaiting).
#include "actors/session/session.hpp"

#include <algorithm>

namespace parley {

namespace {

/// Milliseconds on the actor system's clock (the test clock under the test
/// scheduler), which also runs the timer.
std::int64_t clock_ms(session_self self) {
  return actor_clock_ms(self);
}

void arm(session_self self, std::int64_t now) {
  auto& st = self->state;
  if (st.deadline_armed || st.awaiting.empty()) return;
  st.deadline_armed = true;
  auto wait = std::max<std::int64_t>(st.awaiting.begin()->second.deadline_ms - now, 1);
  arm_timer(self, st.svc.timers, std::chrono::milliseconds{wait}, answer_deadline_atom_v);
}

} // namespace

std::uint64_t await_answer(session_self self, std::uint64_t rid, awaited_from from) {
  auto& st = self->state;
  auto now = clock_ms(self);
  auto ticket = st.next_ticket++;
  st.awaiting.emplace_hint(
      st.awaiting.end(), ticket,
      awaited_answer{now + st.svc.config->request_timeout.count(), rid, from});
  arm(self, now);
  return ticket;
}

bool take_answer(session_self self, std::uint64_t ticket) {
  return self->state.awaiting.erase(ticket) > 0;
}

void expire_answers(session_self self) {
  auto& st = self->state;
  st.deadline_armed = false;
  auto now = clock_ms(self);
  while (!st.awaiting.empty() && st.awaiting.begin()->second.deadline_ms <= now) {
    auto [deadline, rid, from] = st.awaiting.begin()->second;
    st.awaiting.erase(st.awaiting.begin());
    if (from == awaited_from::storage)
      send_storage_unavailable(self, rid);
    else
      send_error(self, rid, protocol::error_code::unavailable,
                 "conversation unavailable; retry");
  }
  arm(self, now);
}

} // namespace parley

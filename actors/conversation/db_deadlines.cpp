#include "actors/conversation/conversation_internal.hpp"

#include <algorithm>

// The deadlines of a conversation's requests to the writer and the db workers: one
// timer for all of them (the session does the same for its requests, see
// actors/session/deadlines.cpp). A request past its deadline gets exactly what a
// CAF request timeout would deliver, sec::request_timeout through its own error
// handler; an answer that comes later finds no handler and is dropped by CAF.
namespace parley::conversation_detail {

namespace {

/// Milliseconds on the actor system's clock (the test clock under the test
/// scheduler), which also runs the timer.
std::int64_t clock_ms(self_ptr self) {
  return actor_clock_ms(self);
}

void arm(self_ptr self, std::int64_t now) {
  auto& st = self->state;
  if (st.db_deadline_armed || st.db_deadlines.empty()) return;
  st.db_deadline_armed = true;
  // Every request waits equally long, so the oldest request is the next due.
  auto wait = std::max<std::int64_t>(st.db_deadlines.begin()->second - now, 1);
  arm_timer(self, st.svc.timers, std::chrono::milliseconds{wait}, answer_deadline_atom_v);
}

} // namespace

void watch_db_answer(self_ptr self, caf::message_id answer) {
  auto& st = self->state;
  auto now = clock_ms(self);
  st.db_deadlines.emplace_hint(st.db_deadlines.end(), answer,
                               now + st.svc.config->db_wait().count());
  arm(self, now);
}

void db_answered(self_ptr self, caf::message_id answer) {
  self->state.db_deadlines.erase(answer);
}

void expire_db_answers(self_ptr self) {
  auto& st = self->state;
  st.db_deadline_armed = false;
  auto now = clock_ms(self);
  while (!st.db_deadlines.empty() && st.db_deadlines.begin()->second <= now) {
    auto answer = st.db_deadlines.begin()->first;
    st.db_deadlines.erase(st.db_deadlines.begin());
    self->eq_impl(answer, nullptr, self->context(),
                  caf::make_error(caf::sec::request_timeout));
  }
  arm(self, now);
}

} // namespace parley::conversation_detail

#pragma once

#include <string>
#include <vector>

#include "protocol/types.hpp"

// Who may read and act on a conversation: one pure function, no CAF, no libpq.
// Every path (history, live pushes, lists, sends) asks it at the moment of the
// event, so a change of rights takes effect on the very next event.
namespace parley::visibility {

/// What a caller may do with a conversation. `none` must look exactly like a
/// conversation that does not exist (`not_found`); `read` without `act` answers
/// `forbidden` to writes.
enum class access { none, read, act };

/// The facts about a conversation that the rule needs.
struct conversation_facts {
  protocol::conv_kind kind = protocol::conv_kind::private_;
  std::string org;
  const std::vector<std::string>* participants = nullptr;
  bool ended = false;
};

/// Decides what `user` (nullptr: unknown or deleted) may do with a conversation.
access evaluate(const protocol::user_info* user, const conversation_facts& conv);

inline bool can_read(access a) {
  return a != access::none;
}
inline bool can_act(access a) {
  return a == access::act;
}

/// True when `user` is in `participants`.
bool participates(const std::string& user, const std::vector<std::string>& participants);

} // namespace parley::visibility

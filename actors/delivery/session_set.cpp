#include <algorithm>

#include "actors/api/interfaces.hpp"

namespace parley {

session_set::session_set(std::vector<caf::actor_addr> sessions) {
  std::sort(sessions.begin(), sessions.end());
  sorted_ = std::make_shared<const std::vector<caf::actor_addr>>(std::move(sessions));
}

bool session_set::contains(const caf::actor_addr& session) const {
  return sorted_ && std::binary_search(sorted_->begin(), sorted_->end(), session);
}

const std::vector<caf::actor_addr>& session_set::list() const {
  static const std::vector<caf::actor_addr> none;
  return sorted_ ? *sorted_ : none;
}

} // namespace parley

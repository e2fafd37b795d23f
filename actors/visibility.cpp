#include "actors/visibility.hpp"

#include <algorithm>

namespace parley::visibility {

bool participates(const std::string& user, const std::vector<std::string>& participants) {
  return std::find(participants.begin(), participants.end(), user) != participants.end();
}

access evaluate(const protocol::user_info* user, const conversation_facts& conv) {
  if (!user || !conv.participants) return access::none;
  // Same-organisation kinds: a user moved to another org loses them at once.
  if (user->org != conv.org) return access::none;
  bool member = participates(user->id, *conv.participants);
  switch (conv.kind) {
  case protocol::conv_kind::private_:
  case protocol::conv_kind::direct:
    // Participants only, staff or client alike.
    if (!member) return access::none;
    return conv.ended ? access::read : access::act;
  case protocol::conv_kind::company:
  case protocol::conv_kind::confidential:
  case protocol::conv_kind::support:
    // The favourite-based and support rules arrive with the directory's companies
    // and favourites; until then these kinds are as strict as `private`, which
    // never shows anything to someone who should not see it.
    return member ? access::act : access::none;
  }
  return access::none;
}

} // namespace parley::visibility

#include "actors/node/access.hpp"

namespace parley {

visibility::conversation_facts facts_of(const directory& dir,
                                        const protocol::conversation& conv) {
  visibility::conversation_facts f;
  f.kind = conv.kind;
  f.org = conv.org;
  if (conv.company) f.company = *conv.company;
  if (conv.peer_org) f.peer_org = *conv.peer_org;
  f.ended = conv.ended_by.has_value();
  if (conv.kind == protocol::conv_kind::company) {
    for (const auto& p : conv.participants) {
      auto v = dir.viewer(p, f.company);
      if (v.user && visibility::is_favouring_client(*v.user, v.favours, f.company)) {
        f.favouring_client_participant = true;
        break;
      }
    }
  }
  return f;
}

visibility::access access_for(const directory& dir, const std::string& user,
                              bool participant,
                              const visibility::conversation_facts& facts) {
  auto v = dir.viewer(user, facts.company);
  return visibility::evaluate({v.user.get(), participant, v.favours}, facts);
}

visibility::access access_for(const directory& dir, const std::string& user,
                              const protocol::conversation& conv) {
  return access_for(dir, user, visibility::participates(user, conv.participants),
                    facts_of(dir, conv));
}

std::string membership_refusal(const std::string& user, visibility::membership verdict) {
  switch (verdict) {
  case visibility::membership::wrong_company:
    return "'" + user + "' is a client of another company";
  case visibility::membership::wrong_kind:
    return "'" + user + "' cannot take part in a conversation of this kind";
  case visibility::membership::other_org:
  case visibility::membership::allowed:
    break;
  }
  return "unknown participant '" + user + "'";
}

} // namespace parley

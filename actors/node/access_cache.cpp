#include "actors/node/access_cache.hpp"

namespace parley {

bool access_cache::kept_facts::operator==(const visibility::conversation_facts& f) const {
  return kind == f.kind && ended == f.ended &&
         favouring_client_participant == f.favouring_client_participant && org == f.org &&
         company == f.company && peer_org == f.peer_org;
}

void access_cache::clear() {
  by_user_.clear();
  valid_ = false; // the next validate() starts a new generation
}

void access_cache::validate(const directory& dir,
                            const visibility::conversation_facts& facts) {
  // Read before any decision is made under it: a change that lands meanwhile
  // moves the version again, so what was decided is dropped at the next check.
  auto version = dir.version();
  if (valid_ && version == dir_version_ && facts_ == facts) return;
  by_user_.clear();
  ++generation_;
  valid_ = true;
  dir_version_ = version;
  facts_.kind = facts.kind;
  facts_.org.assign(facts.org);
  facts_.company.assign(facts.company);
  facts_.peer_org.assign(facts.peer_org);
  facts_.ended = facts.ended;
  facts_.favouring_client_participant = facts.favouring_client_participant;
}

} // namespace parley

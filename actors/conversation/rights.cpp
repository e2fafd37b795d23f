#include "actors/conversation/conversation_internal.hpp"

#include <vector>

#include "actors/node/replies.hpp"

// The rights of users here, asked at the moment of each event (visibility rules over the
// directory).
namespace parley::conversation_detail {

using protocol::error_code;

/// What `user` may do here, given the conversation's facts at this event: decided
/// once and kept while the directory, the facts and the participants stay the same
/// (access_cache.hpp).
visibility::access access_of(self_ptr self, const std::string& user,
                             const visibility::conversation_facts& facts) {
  auto& st = self->state;
  return st.rights.get(*st.svc.dir, user, facts,
                       [&] { return st.members.count(user) > 0; });
}

/// What `user` may do here right now.
visibility::access access_of(self_ptr self, const std::string& user) {
  return access_of(self, user, facts_of(*self->state.svc.dir, self->state.info));
}

bool is_staff(self_ptr self, const std::string& user) {
  return visibility::sees_internal(self->state.svc.dir->user(user).get());
}

/// Sets the participants (and their index).
void set_participants(self_ptr self, std::vector<std::string> participants) {
  auto& st = self->state;
  st.info.participants = std::move(participants);
  st.members.clear();
  st.members.insert(st.info.participants.begin(), st.info.participants.end());
  st.rights.clear();
}

/// Whether `user` may see message `m` given that it may read the conversation:
/// internal comments reach staff only.
bool may_see(self_ptr self, const std::string& user, const protocol::message& m) {
  return !m.internal || is_staff(self, user);
}

/// The system message conv.end writes.
bool is_end(const protocol::message& m) {
  return m.system && m.system->event == "ended";
}

/// Internal comments belong to one org's staff: a cross-org direct conversation,
/// which two orgs' staff read, has none.
bool may_write_internal(self_ptr self, const std::string& user) {
  return is_staff(self, user) && !self->state.info.peer_org;
}

/// Ends every subscription whose user may no longer read the conversation: its
/// session gets `revoked` and nothing more.
void revoke_lost(self_ptr self, const visibility::conversation_facts& facts) {
  auto& st = self->state;
  if (st.subscribers.empty()) return;
  std::vector<caf::actor_addr> revoked;
  for (auto& [addr, sub] : st.subscribers) {
    if (visibility::can_read(access_of(self, sub.user, facts))) continue;
    self->send(sub.session, revoked_atom_v, st.id);
    revoked.push_back(addr);
  }
  for (auto& addr : revoked)
    remove_subscriber(self, addr);
  // Every subscriber left may read, as decided in this generation; one that opens
  // later is checked by conv.open.
  st.subscribers_checked_in = st.rights.generation();
}

void revoke_lost_if_changed(self_ptr self, const visibility::conversation_facts& facts) {
  auto& st = self->state;
  st.rights.validate(*st.svc.dir, facts);
  if (st.subscribers_checked_in != st.rights.generation()) revoke_lost(self, facts);
}

void revoke_lost(self_ptr self) {
  revoke_lost(self, facts_of(*self->state.svc.dir, self->state.info));
}

bool refuse_unreadable(self_ptr self, const std::string& user, std::uint64_t rid,
                       caf::typed_response_promise<frame>& rp) {
  if (visibility::can_read(access_of(self, user))) return false;
  rp.deliver(reply_not_found(*self->state.svc.stats, rid));
  return true;
}

} // namespace parley::conversation_detail

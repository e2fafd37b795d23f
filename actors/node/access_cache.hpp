#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "actors/node/access.hpp"
#include "actors/node/directory.hpp"
#include "actors/rules/visibility.hpp"

namespace parley {

/// What each user may do with one conversation, decided by access_for and kept for
/// as long as nothing the decision reads has changed: the directory (its version),
/// the conversation's facts, and who takes part (the owner calls clear() when its
/// participants change). Every committed message re-checks each subscriber and
/// participant; with this a check is one lookup instead of a directory read and
/// the visibility rule, and a change of rights still takes effect on the very next
/// event, because any change of the directory moves its version.
class access_cache {
public:
  /// What `user` may do, `participant()` saying whether it takes part (asked only
  /// when the answer is not kept).
  template <class IsParticipant>
  visibility::access get(const directory& dir, const std::string& user,
                         const visibility::conversation_facts& facts,
                         IsParticipant&& participant) {
    validate(dir, facts);
    auto i = by_user_.find(user);
    if (i != by_user_.end()) return i->second;
    auto a = access_for(dir, user, participant(), facts);
    by_user_.emplace(user, a);
    return a;
  }

  /// Forgets every decision (the participants changed).
  void clear();

  /// Counts the fresh starts of validate(): a caller that checked all its
  /// subscribers in one generation need not check them again in the same one.
  std::uint64_t generation() const { return generation_; }

  /// Forgets every decision if the directory or the facts moved on since they
  /// were made.
  void validate(const directory& dir, const visibility::conversation_facts& facts);

private:
  /// The facts the decisions were made for, owning their strings (the
  /// conversation's own may be replaced).
  struct kept_facts {
    protocol::conv_kind kind = protocol::conv_kind::private_;
    std::string org, company, peer_org;
    bool ended = false;
    bool favouring_client_participant = false;
    bool operator==(const visibility::conversation_facts& f) const;
  };

  std::uint64_t dir_version_ = 0;
  bool valid_ = false;
  kept_facts facts_;
  std::unordered_map<std::string, visibility::access> by_user_;
  std::uint64_t generation_ = 0;
};

} // namespace parley

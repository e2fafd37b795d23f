#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "protocol/types.hpp"

// Who may read and act on a conversation (docs/protocol.md §5): pure functions,
// no CAF, no libpq. Every path (history, live pushes, lists, sends, membership)
// asks them at the moment of the event, so a change of rights takes effect on the
// very next event. The callers gather the facts (actors/node/access.hpp); the rules here
// only decide.
namespace parley::visibility {

/// What a caller may do with a conversation. `none` must look exactly like a
/// conversation that does not exist (`not_found`); `read` without `act` answers
/// `forbidden` to writes.
enum class access { none, read, act };

inline bool can_read(access a) {
  return a != access::none;
}
inline bool can_act(access a) {
  return a == access::act;
}

/// What the rule needs to know about the person asking.
struct viewer {
  const protocol::user_info* user = nullptr; // nullptr: unknown or deleted user
  bool participant = false;
  bool favours_company = false; // the conversation's company is in its favourites
};

/// What the rule needs to know about the conversation.
struct conversation_facts {
  protocol::conv_kind kind = protocol::conv_kind::private_;
  std::string_view org;
  std::string_view company; // empty: not tied to a company
  /// A cross-organisation direct conversation (made by an accepted invitation,
  /// docs/protocol.md §8): the invitee's org. Empty for every other conversation.
  std::string_view peer_org;
  bool ended = false;
  /// For `company` conversations: at least one participant is a client of the
  /// company who has it in favourites (see is_favouring_client).
  bool favouring_client_participant = false;
};

/// Decides what `who` may do with the conversation.
access evaluate(const viewer& who, const conversation_facts& conv);

/// True for a client of `company` who has it among its favourites: the participant
/// that opens a `company` conversation to the company's other favouring clients.
bool is_favouring_client(const protocol::user_info& user, bool favours,
                         std::string_view company);

/// Internal comments reach staff only, on every path.
bool sees_internal(const protocol::user_info* user);

/// Whether a user may be a participant of a conversation.
enum class membership {
  allowed,
  other_org,     // not a user of the conversation's organisation
  wrong_company, // a client of another company in a company-tied conversation
  wrong_kind,    // e.g. a contact outside the support inbox
};
membership may_participate(const protocol::user_info& user, protocol::conv_kind kind,
                           std::string_view org, std::string_view company);

/// Whether `actor`, who may act on the conversation, may remove `target` from its
/// participants: everyone may leave; staff other than guests may remove others.
bool may_remove(const protocol::user_info& actor, std::string_view target);

/// Whether the participant list of a conversation of `kind` may change at all
/// (direct and support conversations are fixed 1:1).
bool membership_editable(protocol::conv_kind kind);

/// True when `user` is in `participants`.
bool participates(std::string_view user, const std::vector<std::string>& participants);

} // namespace parley::visibility

#include "actors/rules/visibility.hpp"

#include <algorithm>

namespace parley::visibility {

namespace {

using protocol::conv_kind;
using protocol::staff_role;
using protocol::user_kind;

bool is_guest(const protocol::user_info& u) {
  return u.kind == user_kind::staff && u.role == staff_role::guest;
}

/// Staff who see by favourite or by being the org's support team: not guests,
/// who see only what they participate in.
bool full_staff(const protocol::user_info& u) {
  return u.kind == user_kind::staff && !is_guest(u);
}

bool company_tied(const conversation_facts& c) {
  return c.kind == conv_kind::company || c.kind == conv_kind::confidential;
}

bool may_read(const viewer& who, const conversation_facts& conv) {
  const auto& u = *who.user;
  switch (conv.kind) {
  case conv_kind::company:
    // Favouring staff; every participant; and the company's favouring clients once
    // one of them takes part (the conversation is then shared with the company).
    return who.participant || (full_staff(u) && who.favours_company) ||
           (u.kind == user_kind::client && who.favours_company &&
            conv.favouring_client_participant);
  case conv_kind::confidential:
    // Favouring staff; clients only as participants. Staff participants read it
    // too: the creator is always a participant and must see what it made.
    return who.participant || (full_staff(u) && who.favours_company);
  case conv_kind::private_:
  case conv_kind::direct:
    return who.participant;
  case conv_kind::support:
    // Its contact (a participant) and the org's staff other than guests.
    return who.participant || full_staff(u);
  }
  return false;
}

} // namespace

access evaluate(const viewer& who, const conversation_facts& conv) {
  if (!who.user) return access::none;
  const auto& u = *who.user;
  // A user moved to another org loses the conversation at once; the one exception
  // is a cross-org direct conversation, which belongs to both orgs (still read by
  // its participants only, below).
  if (u.org != conv.org && !(conv.kind == conv_kind::direct && !conv.peer_org.empty() &&
                             u.org == conv.peer_org))
    return access::none;
  if (company_tied(conv)) {
    // A client sees only its own company's conversations, even as a participant
    // (a client re-put into another company loses them at once); contacts belong to
    // the support inbox only.
    if (u.kind == user_kind::client && u.company != conv.company) return access::none;
    if (u.kind == user_kind::contact) return access::none;
  }
  if (!may_read(who, conv)) return access::none;
  return conv.ended ? access::read : access::act;
}

bool is_favouring_client(const protocol::user_info& user, bool favours,
                         std::string_view company) {
  return user.kind == user_kind::client && favours && !company.empty() &&
         user.company == company;
}

bool sees_internal(const protocol::user_info* user) {
  return user && user->kind == user_kind::staff;
}

membership may_participate(const protocol::user_info& user, conv_kind kind,
                           std::string_view org, std::string_view company) {
  if (user.org != org) return membership::other_org;
  bool tied = kind == conv_kind::company || kind == conv_kind::confidential;
  if (tied && user.kind == user_kind::client && user.company != company)
    return membership::wrong_company;
  // Contacts talk to the org through its support alias only.
  if (user.kind == user_kind::contact && kind != conv_kind::support)
    return membership::wrong_kind;
  return membership::allowed;
}

bool may_remove(const protocol::user_info& actor, std::string_view target) {
  return actor.id == target || full_staff(actor);
}

bool membership_editable(conv_kind kind) {
  return kind != conv_kind::direct && kind != conv_kind::support;
}

bool participates(std::string_view user, const std::vector<std::string>& participants) {
  return std::find(participants.begin(), participants.end(), user) != participants.end();
}

} // namespace parley::visibility

// The database side of invitations and block lists: one invite_request, one
// storage call (each a single statement or one transaction).
#include "actors/db/invites.hpp"

#include "storage/invite_queries.hpp"

namespace parley {

namespace {

template <class T>
invite_result changed(const storage::db_result<T>& r) {
  invite_result out;
  if (!r.ok()) {
    out.failed = true;
    return out;
  }
  out.outcome = static_cast<std::uint8_t>(r.value->outcome);
  out.created = r.value->created;
  out.items.push_back(r.value->row);
  return out;
}

invite_result listed(storage::db_result<std::vector<storage::invitation>> r) {
  invite_result out;
  out.failed = !r.ok();
  if (r.ok()) out.items = std::move(*r.value);
  return out;
}

} // namespace

invite_result run_invite_request(storage::pg::connection& db, const invite_request& q) {
  switch (static_cast<invite_op>(q.op)) {
  case invite_op::send: {
    storage::new_invitation n{q.invitation, q.user, q.from_org, q.from_email,
                              q.email,      q.note, q.ts};
    auto r = storage::create_invitation(db, n);
    invite_result out;
    out.failed = !r.ok();
    if (r.ok()) out.items.push_back(std::move(*r.value));
    return out;
  }
  case invite_op::revoke:
    return changed(storage::revoke_invitation(db, q.invitation, q.user, q.ts));
  case invite_op::accept:
    return changed(storage::accept_invitation(db, q.invitation, q.user, q.conv, q.ts));
  case invite_op::ignore:
    return changed(storage::ignore_invitation(db, q.invitation, q.user, q.block, q.ts));
  case invite_op::sent:
    return listed(storage::sent_invitations(db, q.user, q.limit));
  case invite_op::received:
    return listed(storage::received_invitations(db, q.user, q.limit));
  case invite_op::blocks: {
    auto r = storage::blocked_emails(db, q.user);
    invite_result out;
    out.failed = !r.ok();
    if (r.ok()) out.emails = std::move(*r.value);
    return out;
  }
  case invite_op::unblock: {
    auto r = storage::unblock_email(db, q.user, q.email);
    invite_result out;
    out.failed = !r.ok();
    return out;
  }
  }
  invite_result out;
  out.failed = true;
  return out;
}

} // namespace parley

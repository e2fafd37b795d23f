#include "storage/rows.hpp"

namespace parley::storage {

protocol::conversation read_conversation(const pg::result& r, int i) {
  protocol::conversation c;
  c.id = r.str(i, 0);
  c.kind =
      protocol::parse_conv_kind(r.text(i, 1)).value_or(protocol::conv_kind::private_);
  c.org = r.str(i, 2);
  c.company = r.opt_str(i, 3);
  c.subject = r.opt_str(i, 4);
  c.created_by = r.str(i, 5);
  c.created_at = r.i64(i, 6);
  c.last_seq = static_cast<std::uint64_t>(r.i64(i, 7));
  c.last_ts = r.i64(i, 8);
  c.peer_org = r.opt_str(i, 9);
  if (!r.null(i, 10)) {
    c.ended_at = r.i64(i, 10);
    c.ended_by = r.str(i, 11);
  }
  if (c.kind == protocol::conv_kind::support && !r.null(i, 12)) {
    protocol::support_info s;
    s.contact = r.str(i, 12);
    if (!r.null(i, 13)) s.status = r.str(i, 13);
    s.assignee = r.opt_str(i, 14);
    s.team = r.opt_str(i, 15);
    if (!r.null(i, 16)) s.snoozed_until = r.i64(i, 16);
    if (!r.null(i, 17)) s.last_contact_ts = r.i64(i, 17);
    s.unreplied = r.text(i, 18) == "t";
    c.support = std::move(s);
  }
  return c;
}

} // namespace parley::storage

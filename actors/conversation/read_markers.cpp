#include "actors/conversation/conversation_internal.hpp"

#include <algorithm>

#include "actors/node/replies.hpp"

// Read markers: storing them, unread counts, and the read pushes.
namespace parley::conversation_detail {

using protocol::error_code;

/// Messages with seq in (after, last] that `user` may see and did not write, as far
/// as the recent-message memory reaches.
std::uint64_t recent_unread(self_ptr self, const std::string& user, std::uint64_t after) {
  std::uint64_t n = 0;
  bool staff = is_staff(self, user);
  self->state.recent.for_each_after(after, [&](const recent_message& m) {
    if (m.ref.author != user && (!m.internal || staff)) ++n;
  });
  return n;
}

/// `read {conv, seq}`: stores the marker (forward only), answers `{seq, unread}`,
/// and pushes `{op: read}` to the other subscriptions and to all the reader's
/// connections (with its unread count).
void mark_read(self_ptr self, read_request& req, caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  if (refuse_unreadable(self, req.user, req.rid, rp)) return;
  if (req.seq > st.info.last_seq) {
    rp.deliver(reply_error(stats, req.rid, error_code::bad_request,
                           "seq is beyond the last message"));
    return;
  }
  auto reply = [](std::uint64_t rid, std::uint64_t seq, std::uint64_t unread) {
    protocol::map_builder f;
    f.uint("seq", seq).uint("unread", unread);
    return reply_ok(rid, f);
  };
  if (auto known = st.reads.find(req.user);
      known != st.reads.end() && req.seq <= known->second.seq) {
    rp.deliver(reply(req.rid, known->second.seq, known->second.unread));
    return;
  }
  // The writer stores the marker with the next group commit (read_marker_batch).
  read_write w{st.id, req.user, req.seq, st.info.last_seq, is_staff(self, req.user)};
  request_db(self, st.svc.writer, read_atom_v, std::move(w))
      .then(
          [=](const read_stored& out) mutable {
            auto& st = self->state;
            if (!out.ok) {
              rp.deliver(reply_storage_unavailable(*st.svc.stats, req.rid));
              return;
            }
            // Messages committed while the marker was being stored count too.
            auto unread = std::min(
                out.unread + recent_unread(self, req.user, std::max(out.upto, out.seq)),
                protocol::unread_cap);
            if (st.members.count(req.user)) {
              auto& r = st.reads[req.user];
              if (out.seq < r.seq) // a later read got there first
              {
                rp.deliver(reply(req.rid, r.seq, r.unread));
                return;
              }
              r = read_mark{out.seq, unread};
            }
            rp.deliver(reply(req.rid, out.seq, unread));
            protocol::map_builder b;
            b.str("op", "read")
                .str("conv", st.id)
                .str("user", req.user)
                .uint("seq", out.seq);
            frame others{b.finish()};
            auto facts = facts_of(*st.svc.dir, st.info);
            for (auto& [addr, sub] : st.subscribers)
              if (sub.user != req.user &&
                  visibility::can_read(access_of(self, sub.user, facts)))
                push_to(self, sub, others);
            flush_remote(self);
            b.uint("unread", unread);
            self->send(st.svc.presence, push_atom_v, req.user, frame{b.finish()});
          },
          [=](const caf::error&) mutable {
            rp.deliver(reply_storage_unavailable(*self->state.svc.stats, req.rid));
          });
}

} // namespace parley::conversation_detail

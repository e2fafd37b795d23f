#include "actors/conversation/conversation_internal.hpp"

#include <algorithm>

#include <vector>

#include "actors/node/replies.hpp"
#include "protocol/limits.hpp"

// Pages of history and the window around one message, filtered for the reader.
namespace parley::conversation_detail {

using protocol::error_code;

/// Encodes the messages of a page that `user` may see, at most max_page_bytes
/// (always at least one). When cut, keeps the oldest ones, or the newest ones with
/// `keep_newest` (a page read backwards). Returns true when cut.
bool encode_page(self_ptr self, const std::string& user,
                 const std::vector<protocol::message>& messages, bool keep_newest,
                 std::vector<std::string>& items) {
  std::size_t bytes = 0;
  bool cut = false;
  auto add = [&](const protocol::message& m) {
    if (!may_see(self, user, m)) return true;
    auto encoded = protocol::encode_message(m);
    if (!items.empty() && bytes + encoded.size() > protocol::limits::max_page_bytes) {
      cut = true;
      return false;
    }
    bytes += encoded.size();
    items.push_back(std::move(encoded));
    return true;
  };
  if (keep_newest) {
    for (auto i = messages.rbegin(); i != messages.rend() && add(*i); ++i) {
    }
    std::reverse(items.begin(), items.end());
  } else {
    for (auto i = messages.begin(); i != messages.end() && add(*i); ++i) {
    }
  }
  return cut;
}

/// The msg.around reply: the visible messages of `messages` (a seq range around
/// `target`), trimmed from the far ends to max_page_bytes. `target` itself must be
/// committed and visible, else the link names nothing (`bad_request`).
frame around_reply(self_ptr self, const around_request& req,
                   const std::vector<protocol::message>& messages) {
  auto& stats = *self->state.svc.stats;
  std::vector<std::pair<std::uint64_t, std::string>> items;
  bool found = false;
  for (const auto& m : messages) {
    if (!may_see(self, req.user, m)) continue;
    found = found || m.seq == req.seq;
    items.emplace_back(m.seq, protocol::encode_message(m));
  }
  if (!found)
    return reply_error(stats, req.rid, error_code::bad_request,
                       "seq names no message you can see");
  std::size_t bytes = 0;
  for (const auto& [seq, encoded] : items)
    bytes += encoded.size();
  // Drop the message farthest from the target until the page fits.
  auto distance = [&](std::uint64_t seq) {
    return seq > req.seq ? seq - req.seq : req.seq - seq;
  };
  while (bytes > protocol::limits::max_page_bytes && items.size() > 1) {
    auto& far = distance(items.front().first) >= distance(items.back().first)
                    ? items.front()
                    : items.back();
    bytes -= far.second.size();
    if (&far == &items.front())
      items.erase(items.begin());
    else
      items.pop_back();
  }
  std::vector<std::string> encoded;
  encoded.reserve(items.size());
  for (auto& [seq, e] : items)
    encoded.push_back(std::move(e));
  protocol::map_builder f;
  f.raw_array("messages", encoded);
  return reply_ok(req.rid, f);
}

void answer_history(self_ptr self, history_request& req,
                    caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  if (refuse_unreadable(self, req.user, req.rid, rp)) return;
  auto rid = req.rid;
  auto user = req.user;
  bool backwards = !req.has_after; // the newest page, or the one before `before`
  request_db(self, st.svc.db.for_key(st.id), history_atom_v, std::move(req))
      .then(
          [=](const message_page& page) mutable {
            if (page.failed) {
              rp.deliver(reply_storage_unavailable(*self->state.svc.stats, rid));
              return;
            }
            std::vector<std::string> items;
            bool cut = encode_page(self, user, page.messages, backwards, items);
            protocol::map_builder f;
            f.raw_array("messages", items).boolean("more", cut || page.more);
            rp.deliver(reply_ok(rid, f));
          },
          [=](const caf::error&) mutable {
            rp.deliver(reply_storage_unavailable(*self->state.svc.stats, rid));
          });
}

void answer_around(self_ptr self, around_request& req,
                   caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  if (refuse_unreadable(self, req.user, req.rid, rp)) return;
  if (req.seq > st.info.last_seq) {
    rp.deliver(reply_error(*st.svc.stats, req.rid, error_code::bad_request,
                           "seq names no message you can see"));
    return;
  }
  auto from = req.seq > req.limit ? req.seq - req.limit : 1;
  auto to = std::min(st.info.last_seq, req.seq + req.limit);
  request_db(self, st.svc.db.for_key(st.id), open_atom_v, st.id, from, to)
      .then(
          [=](const message_page& page) mutable {
            if (page.failed)
              rp.deliver(reply_storage_unavailable(*self->state.svc.stats, req.rid));
            else
              rp.deliver(around_reply(self, req, page.messages));
          },
          [=](const caf::error&) mutable {
            rp.deliver(reply_storage_unavailable(*self->state.svc.stats, req.rid));
          });
}

} // namespace parley::conversation_detail

#include "actors/conversation/conversation.hpp"
#include "actors/conversation/conversation_internal.hpp"

#include <algorithm>
#include <vector>

#include "actors/node/replies.hpp"
#include "actors/rules/typing_display.hpp"
#include "protocol/digest.hpp"
#include "protocol/limits.hpp"
#include "protocol/preview.hpp"
#include "protocol/random_id.hpp"

namespace parley::conversation_detail {

using protocol::error_code;

/// Recent messages kept for reply-to previews.
constexpr std::size_t recent_capacity = 256;

/// What `user` may do here, given the conversation's facts at this event.
visibility::access access_of(self_ptr self, const std::string& user,
                             const visibility::conversation_facts& facts) {
  auto& st = self->state;
  return access_for(*st.svc.dir, user, st.members.count(user) > 0, facts);
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

frame conv_reply(std::uint64_t rid, const protocol::conversation& c, bool existing) {
  protocol::map_builder conv;
  protocol::put_conversation(conv, c);
  protocol::map_builder fields;
  fields.map("conv", conv);
  if (existing) fields.boolean("existing", true);
  return reply_ok(rid, fields);
}

void touch(self_ptr self) {
  self->state.last_activity_ms = now_ms();
}

void run_parked(self_ptr self, bool ok) {
  auto parked = std::move(self->state.parked);
  self->state.parked.clear();
  for (auto& work : parked)
    work(ok);
}

void check_drained(self_ptr self) {
  auto& st = self->state;
  if (!st.ledger || (st.ledger->idle() && st.intake.empty())) {
    for (auto& rp : st.drain_waiters)
      rp.deliver(true);
    st.drain_waiters.clear();
  }
}

void remember_recent(self_ptr self, const protocol::message& m, std::string preview) {
  auto& recent = self->state.recent;
  recent[m.seq] = recent_message{{m.seq, m.author, std::move(preview)}, m.internal};
  while (recent.size() > recent_capacity)
    recent.erase(recent.begin());
}

void remove_subscriber(self_ptr self, const caf::actor_addr& who) {
  auto& subs = self->state.subscribers;
  auto i = subs.find(who);
  if (i == subs.end()) return;
  self->demonitor(i->second.session.address());
  subs.erase(i);
  self->state.open_sessions.reset();
}

/// The sessions subscribed here, for notify to skip (kept until they change).
const session_set& open_sessions(self_ptr self) {
  auto& st = self->state;
  if (!st.open_sessions) {
    std::vector<caf::actor_addr> all;
    all.reserve(st.subscribers.size());
    for (const auto& [addr, sub] : st.subscribers)
      all.push_back(addr);
    st.open_sessions.emplace(std::move(all));
  }
  return *st.open_sessions;
}

/// Sends a push to one subscription: straight into its connection's outbound
/// queue when the connection is on this node (one thread-safe append, no actor
/// hop), else through its session actor. Until the subscription is live (its
/// conv.open reply is queued) the push waits, so it follows the reply.
void push_to(self_ptr self, subscriber& sub, const frame& f, std::uint64_t seq = 0) {
  if (!sub.live) {
    if (sub.held.size() < max_held_pushes)
      sub.held.push_back(held_push{seq, f});
    else
      sub.held_overflow = true;
    return;
  }
  push_to_connection(self, sub.session, sub.out, f);
}

/// `opened` from a session: its conv.open reply is queued on the connection, so
/// the subscription goes live and what waited goes out, in order (message pushes
/// the reply's backlog already carries are dropped).
void go_live(self_ptr self, const caf::actor_addr& session) {
  auto& st = self->state;
  auto i = st.subscribers.find(session);
  if (i == st.subscribers.end() || i->second.live) return;
  auto& sub = i->second;
  if (sub.held_overflow) {
    // Too much waited: the client resyncs with conv.open {since}.
    self->send(sub.session, revoked_atom_v, st.id);
    remove_subscriber(self, session);
    return;
  }
  sub.live = true;
  auto held = std::move(sub.held);
  sub.held.clear();
  for (auto& h : held)
    if (h.seq == 0 || h.seq > sub.backlog_to) push_to(self, sub, h.bytes);
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
}

void revoke_lost(self_ptr self) {
  revoke_lost(self, facts_of(*self->state.svc.dir, self->state.info));
}

/// Pushes a committed message to every subscription that may see it, re-checking
/// rights at this moment; a subscription that lost them gets `revoked` and nothing
/// more.
void fan_out(self_ptr self, const protocol::message& m,
             const visibility::conversation_facts& facts) {
  auto& st = self->state;
  revoke_lost(self, facts);
  if (st.subscribers.empty()) return;
  frame push{protocol::encode_message_push(m)};
  std::uint64_t delivered = 0;
  for (auto& [addr, sub] : st.subscribers) {
    if (!may_see(self, sub.user, m)) continue;
    push_to(self, sub, push, m.seq);
    ++delivered;
  }
  st.svc.stats->fanout_deliveries.fetch_add(delivered, std::memory_order_relaxed);
}

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

void answer_committed(const protocol::message& m, const protocol::conversation& info,
                      std::vector<send_waiter>& waiters) {
  for (std::size_t i = 0; i < waiters.size(); ++i) {
    if (waiters[i].conv_reply) {
      waiters[i].promise.deliver(conv_reply(waiters[i].rid, info, waiters[i].existing));
      continue;
    }
    protocol::map_builder f;
    f.uint("seq", m.seq).sint("ts", m.ts);
    if (i > 0) f.boolean("dup", true); // a retry that arrived while the original flew
    waiters[i].promise.deliver(reply_ok(waiters[i].rid, f));
  }
}

/// `{op: notify}` to every connection of every participant who may see `m`, except
/// its author and the connections that have the conversation open (they got the
/// `message` push: v1.1); each carries the recipient's unread count, which is kept
/// for every participant either way. The presence actor encodes the frames, and
/// only for connections that get one.
void notify_participants(self_ptr self, const protocol::message& m,
                         const visibility::conversation_facts& facts,
                         const std::string& preview) {
  auto& st = self->state;
  notify_batch batch;
  for (const auto& p : st.info.participants) {
    if (p == m.author || !visibility::can_read(access_of(self, p, facts)) ||
        !may_see(self, p, m))
      continue;
    auto& r = st.reads[p];
    if (r.seq < m.seq) r.unread = std::min(r.unread + 1, storage::unread_cap);
    batch.targets.push_back(notify_target{p, r.unread});
  }
  if (batch.targets.empty()) return;
  batch.conv = st.id;
  batch.seq = m.seq;
  batch.author = m.author;
  batch.preview = preview;
  batch.open = open_sessions(self);
  // One message to the presence actor for all of them, not one per participant.
  self->send(st.svc.presence, notify_atom_v, std::move(batch));
}

/// Messages with seq in (after, last] that `user` may see and did not write, as far
/// as the recent-message memory reaches.
std::uint64_t recent_unread(self_ptr self, const std::string& user, std::uint64_t after) {
  std::uint64_t n = 0;
  bool staff = is_staff(self, user);
  for (auto i = self->state.recent.upper_bound(after); i != self->state.recent.end(); ++i)
    if (i->second.ref.author != user && (!i->second.internal || staff)) ++n;
  return n;
}

/// `read {conv, seq}`: stores the marker (forward only), answers `{seq, unread}`,
/// and pushes `{op: read}` to the other subscriptions and to all the reader's
/// connections (with its unread count).
void mark_read(self_ptr self, read_request& req, caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  if (!visibility::can_read(access_of(self, req.user))) {
    rp.deliver(reply_not_found(stats, req.rid));
    return;
  }
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
  read_write w{st.id, req.user, req.seq, st.info.last_seq, is_staff(self, req.user)};
  auto upto = w.upto;
  self->request(st.svc.db.for_key(st.id), caf::infinite, read_atom_v, std::move(w))
      .then(
          [=](const read_stored& out) mutable {
            auto& st = self->state;
            if (!out.ok) {
              rp.deliver(reply_error(*st.svc.stats, req.rid, error_code::unavailable,
                                     "storage unavailable"));
              return;
            }
            // Messages committed while the marker was being stored count too.
            auto unread = std::min(
                out.unread + recent_unread(self, req.user, std::max(upto, out.seq)),
                storage::unread_cap);
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
            b.uint("unread", unread);
            self->send(st.svc.presence, push_atom_v, req.user, frame{b.finish()});
          },
          [=](const caf::error&) mutable {
            rp.deliver(reply_error(*self->state.svc.stats, req.rid,
                                   error_code::unavailable, "storage unavailable"));
          });
}

/// Typing time, on the actor system's clock: the clock that also delivers the
/// expiry tick, so both agree, and CAF's test scheduler can drive it.
std::int64_t typing_now(self_ptr self) {
  using namespace std::chrono;
  return duration_cast<milliseconds>(self->clock().now().time_since_epoch()).count();
}

/// `{op: typing, conv, user, kind, state, internal?}` to the open subscriptions of
/// the other users who may see it (internal typing: staff only). A contact sees an
/// agent's typing as the org's alias when the org says so (typing_display): each
/// event is encoded at most twice, as the typist and as the alias. While another
/// public typist is also shown to a contact as the alias, this one's start or stop
/// changes nothing the contact sees and is not pushed to it: two agents typing
/// show as one alias that starts once and stops once.
void push_typing(self_ptr self, const std::string& user, bool start, bool internal) {
  auto& st = self->state;
  auto& dir = *st.svc.dir;
  auto kind_of_user = [&](const std::string& id) -> std::optional<protocol::user_kind> {
    auto u = dir.user(id);
    return u ? std::optional{u->kind} : std::nullopt;
  };
  auto typist_kind = kind_of_user(user);
  auto org = dir.org(st.info.org);
  typing_display::alias_settings alias;
  if (org && org->alias) {
    alias.display_as_alias = org->display_as_alias;
    alias.alias = *org->alias;
    alias.alias_kind = kind_of_user(*org->alias);
  }
  auto encode = [&](const typing_display::shown_typist& shown) {
    protocol::map_builder b;
    b.str("op", "typing")
        .str("conv", st.id)
        .str("user", shown.user)
        .str("kind", typing_display::to_string(shown.kind))
        .str("state", start ? "start" : "stop");
    if (internal) b.boolean("internal", true);
    return frame{b.finish()};
  };
  frame plain = encode({user, typing_display::kind_of(typist_kind), false});
  std::optional<frame> as_alias;
  std::optional<bool> alias_busy; // another public typist shows as the alias
  auto facts = facts_of(dir, st.info);
  for (auto& [addr, sub] : st.subscribers) {
    if (sub.user == user || !visibility::can_read(access_of(self, sub.user, facts)))
      continue;
    auto viewer = dir.user(sub.user);
    if (internal && !visibility::sees_internal(viewer.get())) continue;
    auto viewer_kind = viewer ? std::optional{viewer->kind} : std::nullopt;
    auto shown = typing_display::shown_to(viewer_kind, user, typist_kind, alias);
    // Only a contact sees several typists as one (the alias); contacts never see
    // internal typing, so the answer is the same for every contact of this event.
    if (viewer_kind == protocol::user_kind::contact && !alias.alias.empty() &&
        shown.user == alias.alias) {
      if (!alias_busy)
        alias_busy = st.typing.any_of([&](const std::string& other, const auto& e) {
          return other != user && !e.internal &&
                 typing_display::shown_to(viewer_kind, other, kind_of_user(other), alias)
                         .user == alias.alias;
        });
      if (*alias_busy) continue;
    }
    if (!shown.as_alias) {
      push_to(self, sub, plain);
      continue;
    }
    if (!as_alias) as_alias = encode(shown);
    push_to(self, sub, *as_alias);
  }
}

/// Schedules the next typing expiry check, if anyone is typing.
void arm_typing_tick(self_ptr self) {
  auto& st = self->state;
  auto next = st.typing.next_expiry();
  if (st.typing_tick_armed || !next) return;
  st.typing_tick_armed = true;
  auto wait = std::max<std::int64_t>(*next - typing_now(self), 1);
  self->delayed_send(self, std::chrono::milliseconds{wait}, typing_tick_atom_v);
}

/// `typing {conv, state, internal?}`: only who may act, internal only from staff.
frame change_typing(self_ptr self, typing_request& req) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  auto access = access_of(self, req.user);
  if (!visibility::can_read(access)) return reply_not_found(stats, req.rid);
  if (!visibility::can_act(access))
    return reply_error(stats, req.rid, error_code::forbidden,
                       "you cannot write to this conversation");
  if (req.internal && !may_write_internal(self, req.user))
    return reply_error(stats, req.rid, error_code::forbidden,
                       "internal comments are for staff only");
  auto source = req.session.address();
  if (req.start) {
    // A disconnect stops it: watch the connection once (subscribers already are).
    if (!st.subscribers.count(source) && st.typing_watched.insert(source).second)
      self->monitor(req.session);
    // Switching between public and internal typing first stops the old one, so
    // those who saw a public start (and may not see internal typing) see it end.
    if (auto now = st.typing.find(req.user); now && now->internal != req.internal)
      push_typing(self, req.user, false, now->internal);
    if (st.typing.start(req.user, req.internal, typing_now(self), source))
      push_typing(self, req.user, true, req.internal);
    arm_typing_tick(self);
  } else if (auto was = st.typing.stop(req.user)) {
    push_typing(self, req.user, false, was->internal);
  }
  return reply_ok(req.rid);
}

void handle_write_outcome(self_ptr self, std::uint64_t epoch, const write_outcome& out) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  if (out.status == write_status::committed) {
    auto entries = st.ledger->commit(epoch);
    if (!entries.empty() && !st.support_in_flight.empty()) {
      st.support_committed = std::move(st.support_in_flight.front());
      st.support_in_flight.pop_front();
    }
    for (auto& e : entries) {
      st.info.last_seq = e.msg.seq;
      st.info.last_ts = e.msg.ts;
      if (is_end(e.msg)) st.info.ended_at = e.msg.ts; // as stored
      answer_committed(e.msg, st.info, e.waiters);
      auto preview = protocol::cut_preview(e.msg.body);
      remember_recent(self, e.msg, preview);
      // A message ends its author's typing.
      if (auto was = st.typing.stop(e.msg.author))
        push_typing(self, e.msg.author, false, was->internal);
      // The rights facts are gathered once per message for all its deliveries.
      auto facts = facts_of(*st.svc.dir, st.info);
      fan_out(self, e.msg, facts);
      notify_participants(self, e.msg, facts, preview);
      prompt_agent(self, e.msg);
      tell_unsnoozed(self, e.msg);
    }
    check_drained(self);
    return;
  }
  bool seq_taken = false;
  auto failed = st.ledger->fail(epoch);
  if (!failed.empty() && st.support) {
    // Everything in flight failed with this batch: back to what is durable.
    set_support(self, *st.support_committed);
    st.support_in_flight.clear();
  }
  for (auto& e : failed) {
    const storage::cid_entry* stored = nullptr;
    for (const auto& k : out.existing) {
      if (k.author == e.msg.author && k.cid == e.msg.cid)
        stored = &k;
      else if (k.seq == e.msg.seq)
        seq_taken = true;
    }
    if (!stored && is_end(e.msg)) {
      // The end was not stored: the conversation goes on (conv.end may be retried).
      st.info.ended_by.reset();
      st.info.ended_at = 0;
    }
    if (stored) {
      // The message was committed earlier (a retry older than the key cache).
      st.ledger->remember(stored->author, stored->cid, stored->seq, stored->ts);
      for (auto& w : e.waiters) {
        protocol::map_builder f;
        f.uint("seq", stored->seq).sint("ts", stored->ts).boolean("dup", true);
        w.promise.deliver(reply_ok(w.rid, f));
      }
      continue;
    }
    for (auto& w : e.waiters)
      w.promise.deliver(reply_error(stats, w.rid, error_code::unavailable,
                                    "message not stored; retry with the same cid"));
  }
  check_drained(self);
  if (seq_taken) {
    // Another writer owns this conversation's seqs (a stale placement): stop, and
    // let the registry start a fresh actor from what PostgreSQL holds.
    self->quit();
  }
}

void flush(self_ptr self) {
  auto& st = self->state;
  st.flush_queued = false;
  auto batch = st.ledger->take_unsent();
  if (batch.empty()) return;
  auto epoch = st.ledger->epoch();
  write_request req;
  req.conv = st.id;
  req.epoch = epoch;
  req.messages = std::move(batch);
  if (st.support) {
    req.support = st.info.support;
    st.support_in_flight.push_back(st.support);
  }
  self->request(st.svc.writer, caf::infinite, write_atom_v, std::move(req))
      .then([=](const write_outcome& out) { handle_write_outcome(self, epoch, out); },
            [=](const caf::error&) {
              write_outcome out;
              out.status = write_status::unavailable;
              handle_write_outcome(self, epoch, out);
            });
}

void schedule_flush(self_ptr self) {
  if (!self->state.flush_queued) {
    // Behind the sends already in the mailbox, so they share one write.
    self->state.flush_queued = true;
    self->send(self, flush_atom_v);
  }
}

void drain_intake(self_ptr self);

/// Processes one send at the head of the intake. Returns false when it had to
/// wait for the database (the intake resumes when the answer arrives).
bool process_send(self_ptr self, queued_send& q) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  auto& req = q.req;
  auto& w = q.waiter;
  auto access = access_of(self, req.user);
  if (!visibility::can_read(access)) {
    w.promise.deliver(reply_not_found(stats, w.rid));
    return true;
  }
  if (!visibility::can_act(access)) {
    // A retry of a message accepted before the conversation ended still gets the
    // original answer: the end refuses new messages, not the ones it came after.
    auto seen = st.ledger->find(req.user, req.cid);
    if (st.info.ended_by && seen.kind == seq_ledger<send_waiter>::found::committed) {
      protocol::map_builder f;
      f.uint("seq", seen.seq).sint("ts", seen.ts).boolean("dup", true);
      w.promise.deliver(reply_ok(w.rid, f));
    } else if (st.info.ended_by &&
               seen.kind == seq_ledger<send_waiter>::found::in_flight) {
      st.ledger->wait_for(seen.seq, std::move(w));
    } else {
      w.promise.deliver(reply_error(stats, w.rid, error_code::forbidden,
                                    "you cannot write to this conversation"));
    }
    return true;
  }
  if (req.internal && !may_write_internal(self, req.user)) {
    w.promise.deliver(reply_error(stats, w.rid, error_code::forbidden,
                                  "internal comments are for staff only"));
    return true;
  }
  auto seen = st.ledger->find(req.user, req.cid);
  if (seen.kind == seq_ledger<send_waiter>::found::committed) {
    protocol::map_builder f;
    f.uint("seq", seen.seq).sint("ts", seen.ts).boolean("dup", true);
    w.promise.deliver(reply_ok(w.rid, f));
    return true;
  }
  if (seen.kind == seq_ledger<send_waiter>::found::in_flight) {
    st.ledger->wait_for(seen.seq, std::move(w));
    return true;
  }
  protocol::message m;
  if (req.reply_to != 0) {
    if (req.reply_to > st.ledger->last_committed()) {
      w.promise.deliver(reply_error(stats, w.rid, error_code::bad_request,
                                    "reply_to names no committed message"));
      return true;
    }
    if (!q.target) {
      auto hit = st.recent.find(req.reply_to);
      if (hit != st.recent.end()) {
        if (hit->second.internal && !is_staff(self, req.user)) {
          w.promise.deliver(reply_error(stats, w.rid, error_code::bad_request,
                                        "reply_to names no committed message"));
          return true;
        }
        q.target = hit->second.ref;
      } else {
        st.intake_busy = true;
        auto seq = req.reply_to;
        self->request(st.svc.db.for_key(st.id), caf::infinite, reply_atom_v, st.id, seq)
            .then(
                [=](const reply_target& t) {
                  auto& st = self->state;
                  st.intake_busy = false;
                  auto& head = st.intake.front();
                  if (t.failed || !t.found ||
                      (t.internal && !is_staff(self, head.req.user))) {
                    head.waiter.promise.deliver(
                        t.failed
                            ? reply_error(*st.svc.stats, head.waiter.rid,
                                          error_code::unavailable, "storage unavailable")
                            : reply_error(*st.svc.stats, head.waiter.rid,
                                          error_code::bad_request,
                                          "reply_to names no committed message"));
                    st.intake.pop_front();
                  } else {
                    head.target = protocol::reply_ref{seq, t.author, t.preview};
                  }
                  drain_intake(self);
                },
                [=](const caf::error&) {
                  auto& st = self->state;
                  st.intake_busy = false;
                  auto& head = st.intake.front();
                  head.waiter.promise.deliver(reply_error(*st.svc.stats, head.waiter.rid,
                                                          error_code::unavailable,
                                                          "storage unavailable"));
                  st.intake.pop_front();
                  drain_intake(self);
                });
        return false;
      }
    }
    m.reply_to = q.target;
  }
  for (const auto& who : req.mentions) {
    if (!visibility::can_read(access_of(self, who))) {
      w.promise.deliver(
          reply_error(stats, w.rid, error_code::bad_request,
                      "mentioned user cannot see this conversation: " + who));
      return true;
    }
  }
  if (st.support) {
    if (auto refused = support_for_message(self, req.user, req.internal)) {
      w.promise.deliver(reply_error(stats, w.rid, refused->code, refused->message));
      return true;
    }
  }
  m.conv = st.id;
  m.author = req.user;
  m.cid = std::move(req.cid);
  m.body = std::move(req.body);
  m.format = std::move(req.format);
  m.mentions = std::move(req.mentions);
  m.internal = req.internal;
  m.attachments = std::move(req.attachments);
  st.ledger->assign(std::move(m), std::move(w), now_ms());
  schedule_flush(self);
  return true;
}

void drain_intake(self_ptr self) {
  auto& st = self->state;
  while (!st.intake_busy && !st.intake.empty()) {
    if (!process_send(self, st.intake.front())) return;
    st.intake.pop_front();
  }
  check_drained(self);
}

void open_subscription(self_ptr self, open_request& req,
                       caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  if (!visibility::can_read(access_of(self, req.user))) {
    rp.deliver(reply_not_found(stats, req.rid));
    return;
  }
  auto addr = req.session.address();
  auto [it, inserted] = st.subscribers.try_emplace(addr);
  if (inserted) {
    self->monitor(req.session);
    st.open_sessions.reset();
  }
  auto& sub = it->second;
  sub.session = req.session;
  sub.user = req.user;
  sub.out = req.out;
  // Pushes wait until the session has queued this reply (go_live).
  sub.live = false;
  sub.backlog_to = 0;
  auto last = st.info.last_seq;
  if (!req.has_since || req.since >= last) {
    protocol::map_builder conv;
    protocol::put_conversation(conv, st.info);
    protocol::map_builder f;
    f.map("conv", conv).raw_array("messages", {}).boolean("more", false);
    rp.deliver(reply_ok(req.rid, f));
    return;
  }
  // Backlog: exactly the committed seqs (since, last], at most 200; newer messages
  // arrive as pushes, held until the backlog reply has gone out.
  auto from = req.since + 1;
  auto to = std::min(last, req.since + protocol::limits::max_open_backlog);
  sub.backlog_to = to;
  auto rid = req.rid;
  auto user = req.user;
  auto finish = [=](const message_page& page) mutable {
    auto& st = self->state;
    auto i = st.subscribers.find(addr);
    if (page.failed) {
      rp.deliver(reply_error(*st.svc.stats, rid, error_code::unavailable,
                             "storage unavailable"));
      if (i != st.subscribers.end()) remove_subscriber(self, addr);
      return;
    }
    std::vector<std::string> items;
    bool cut = encode_page(self, user, page.messages, false, items);
    protocol::map_builder conv;
    protocol::put_conversation(conv, st.info);
    protocol::map_builder f;
    f.map("conv", conv)
        .raw_array("messages", items)
        .boolean("more", cut || st.info.last_seq > to);
    rp.deliver(reply_ok(rid, f));
  };
  self->request(st.svc.db.for_key(st.id), caf::infinite, open_atom_v, st.id, from, to)
      .then([=](const message_page& page) mutable { finish(page); },
            [=](const caf::error&) mutable {
              message_page failed;
              failed.failed = true;
              finish(failed);
            });
}

/// conv.end: either participant of a cross-org direct conversation ends it. From
/// this moment every send that has no seq yet is refused (`forbidden`); an `ended`
/// system message is written behind the messages already assigned, and the reply
/// `{conv}` comes once it is durable (the same statement stores the end).
void end_conversation(self_ptr self, end_request& req,
                      caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  if (!visibility::can_read(access_of(self, req.user))) {
    rp.deliver(reply_not_found(stats, req.rid));
    return;
  }
  if (st.info.kind != protocol::conv_kind::direct || !st.info.peer_org) {
    rp.deliver(reply_error(stats, req.rid, error_code::bad_request,
                           "only a cross-organisation direct conversation can be ended"));
    return;
  }
  if (st.info.ended_by) {
    // Already ended: nothing more is written. While the end is still being stored,
    // this answer waits for it too.
    auto seen = st.ledger->find(*st.info.ended_by, "");
    if (seen.kind == seq_ledger<send_waiter>::found::in_flight)
      st.ledger->wait_for(seen.seq, send_waiter{rp, req.rid, true});
    else
      rp.deliver(conv_reply(req.rid, st.info));
    return;
  }
  st.info.ended_by = req.user;
  st.info.ended_at = now_ms();
  protocol::message m;
  m.conv = st.id;
  m.author = req.user;
  // Clients' cids are 1..64 bytes, so the empty cid never collides with one.
  m.cid = "";
  m.system.emplace();
  m.system->event = "ended";
  m.system->by = req.user;
  st.ledger->assign(std::move(m), send_waiter{rp, req.rid, true}, now_ms());
  schedule_flush(self);
}

void run_membership_queue(self_ptr self) {
  auto& st = self->state;
  if (st.membership_busy || st.membership_queue.empty()) return;
  st.membership_busy = true;
  auto next = std::move(st.membership_queue.front());
  st.membership_queue.pop_front();
  next();
}

void membership_done(self_ptr self) {
  self->state.membership_busy = false;
  run_membership_queue(self);
}

/// Validates a membership change against the participants of this moment. Returns
/// the refusal, or nothing and the users that actually change in `changed`.
std::optional<frame> check_members(self_ptr self, const members_request& req,
                                   std::vector<std::string>& changed) {
  auto& st = self->state;
  auto& stats = *st.svc.stats;
  auto& dir = *st.svc.dir;
  auto access = access_of(self, req.user);
  if (!visibility::can_read(access)) return reply_not_found(stats, req.rid);
  auto refuse = [&](error_code code, std::string message) {
    return std::optional<frame>{reply_error(stats, req.rid, code, message)};
  };
  if (!visibility::can_act(access))
    return refuse(error_code::forbidden, "you cannot change this conversation");
  if (!visibility::membership_editable(st.info.kind))
    return refuse(error_code::forbidden,
                  "the participants of this conversation are fixed");
  auto me = dir.user(req.user);
  for (const auto& u : req.users) {
    bool present = st.members.count(u) > 0;
    if (req.add) {
      if (present) continue;
      auto who = dir.user(u);
      auto verdict = who ? visibility::may_participate(*who, st.info.kind, st.info.org,
                                                       st.info.company.value_or(""))
                         : visibility::membership::other_org;
      if (verdict == visibility::membership::other_org)
        return refuse(error_code::bad_request, "unknown participant '" + u + "'");
      if (verdict != visibility::membership::allowed)
        return refuse(error_code::forbidden, membership_refusal(u, verdict));
    } else {
      if (!present) continue;
      if (!me || !visibility::may_remove(*me, u))
        return refuse(error_code::forbidden, "only staff may remove other participants");
    }
    changed.push_back(u);
  }
  if (!req.add && changed.size() == st.members.size())
    return refuse(error_code::bad_request,
                  "a conversation keeps at least one participant");
  return std::nullopt;
}

/// conv.participants.add/remove: validated, stored, then applied; subscriptions
/// that lost their right are revoked.
void change_members(self_ptr self, members_request& req,
                    caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  std::vector<std::string> changed;
  if (auto refusal = check_members(self, req, changed)) {
    rp.deliver(std::move(*refusal));
    return membership_done(self);
  }
  if (changed.empty()) {
    rp.deliver(conv_reply(req.rid, st.info));
    return membership_done(self);
  }
  members_write w{st.id, req.add, changed, now_ms()};
  auto rid = req.rid;
  auto add = req.add;
  self->request(st.svc.db.for_key(st.id), caf::infinite, members_atom_v, std::move(w))
      .then(
          [=](const db_ack& ack) mutable {
            auto& st = self->state;
            if (!ack.ok) {
              rp.deliver(reply_error(*st.svc.stats, rid, error_code::unavailable,
                                     "storage unavailable"));
              return membership_done(self);
            }
            auto next = st.info.participants;
            if (add) {
              next.insert(next.end(), changed.begin(), changed.end());
            } else {
              std::unordered_set<std::string> gone(changed.begin(), changed.end());
              next.erase(std::remove_if(next.begin(), next.end(),
                                        [&](const auto& u) { return gone.count(u) > 0; }),
                         next.end());
            }
            set_participants(self, std::move(next));
            for (const auto& u : changed) {
              if (add)
                st.reads[u] = read_mark{st.info.last_seq, 0};
              else
                st.reads.erase(u);
            }
            rp.deliver(conv_reply(rid, st.info));
            revoke_lost(self);
            membership_done(self);
          },
          [=](const caf::error&) mutable {
            rp.deliver(reply_error(*self->state.svc.stats, rid, error_code::unavailable,
                                   "storage unavailable"));
            membership_done(self);
          });
}

void arm_idle_timer(self_ptr self) {
  auto period = self->state.svc.config->passivate_after / 2;
  self->delayed_send(self, std::max(period, std::chrono::milliseconds{10}), idle_atom_v);
}

void become_ready(self_ptr self) {
  auto& st = self->state;
  st.stage = conversation_state::phase::ready;
  st.svc.stats->conversations_active.fetch_add(1, std::memory_order_relaxed);
  *st.counted = true;
  arm_idle_timer(self);
  run_parked(self, true);
}

void load(self_ptr self) {
  auto& st = self->state;
  self->request(st.svc.db.for_key(st.id), caf::infinite, load_atom_v, st.id)
      .then(
          [=](conversation_snapshot& snap) {
            auto& st = self->state;
            if (snap.failed || !snap.found) {
              // Missing: every parked request answers not_found; failed: unavailable.
              // Either way this actor stops; the next request starts a fresh one.
              st.load_unavailable = snap.failed;
              run_parked(self, false);
              self->quit();
              return;
            }
            st.info = std::move(snap.conv);
            set_participants(self, std::move(st.info.participants));
            for (auto& r : snap.reads)
              st.reads[r.user] = read_mark{r.seq, r.unread};
            st.ledger.emplace(st.info.last_seq, st.info.last_ts,
                              st.svc.config->cid_cache);
            init_support(self);
            // Oldest first, so the newest keys are the last to be evicted.
            for (auto i = snap.recent_keys.rbegin(); i != snap.recent_keys.rend(); ++i)
              st.ledger->remember(i->author, i->cid, i->seq, i->ts);
            become_ready(self);
          },
          [=](const caf::error&) {
            self->state.load_unavailable = true;
            run_parked(self, false);
            self->quit();
          });
}

/// The reply for a request whose conversation could not be loaded: missing
/// (`not_found`) or the database is down (`unavailable`, safe to retry).
frame load_failure(self_ptr self, std::uint64_t rid) {
  auto& st = self->state;
  if (st.load_unavailable)
    return reply_error(*st.svc.stats, rid, error_code::unavailable,
                       "storage unavailable");
  return reply_not_found(*st.svc.stats, rid);
}

/// The common start of every request: count it when the registry delegated it (for
/// the passivation handshake; a session may also send straight here), note the
/// activity, and run `work` once the conversation is ready, or answer the load
/// failure if it never becomes ready.
template <class Request, class Work>
caf::result<frame> when_loaded(self_ptr self, Request& req, Work work) {
  if constexpr (requires { req.direct; }) {
    if (!req.direct) ++self->state.delegated_handled;
  } else {
    ++self->state.delegated_handled;
  }
  touch(self);
  auto rp = self->make_response_promise<frame>();
  if (self->state.stage == conversation_state::phase::ready) {
    // The common case: no parking, so no std::function per request.
    work(req, rp);
    return rp;
  }
  self->state.parked.push_back([=, req = std::move(req)](bool ok) mutable {
    if (!ok)
      rp.deliver(load_failure(self, req.rid));
    else
      work(req, rp);
  });
  return rp;
}

/// conv.create {kind: support} for a contact that already has its conversation:
/// the reply is that conversation with `existing: true`; a `first` message is sent
/// into it (the create's cid makes a retry idempotent) and the reply waits for it.
void existing_support(self_ptr self, create_request& req,
                      caf::typed_response_promise<frame> rp) {
  auto& st = self->state;
  const auto& user = req.conv.created_by;
  if (!visibility::can_read(access_of(self, user))) {
    rp.deliver(reply_not_found(*st.svc.stats, req.rid));
    return;
  }
  if (!req.has_first) {
    rp.deliver(conv_reply(req.rid, st.info, true));
    return;
  }
  send_request s;
  s.rid = req.rid;
  s.conv = st.id;
  s.user = user;
  s.cid = std::move(req.first.cid);
  s.body = std::move(req.first.body);
  s.format = std::move(req.first.format);
  s.mentions = std::move(req.first.mentions);
  st.intake.push_back(
      queued_send{std::move(s), send_waiter{rp, req.rid, true, true}, {}});
  drain_intake(self);
}

} // namespace parley::conversation_detail

namespace parley {

using namespace conversation_detail;

conversation_actor::behavior_type
conversation(conversation_actor::stateful_pointer<conversation_state> self,
             std::string id, services svc, bool fresh) {
  auto& st = self->state;
  st.id = std::move(id);
  st.svc = std::move(svc);
  st.last_activity_ms = now_ms();
  st.stage =
      fresh ? conversation_state::phase::creating : conversation_state::phase::loading;
  self->set_down_handler([=](const caf::down_msg& dm) {
    remove_subscriber(self, dm.source);
    self->state.typing_watched.erase(dm.source);
    for (auto& [user, was] : self->state.typing.drop_source(dm.source))
      push_typing(self, user, false, was.internal);
  });
  // Counted as active from readiness until the actor stops, however it stops.
  self->attach_functor([stats = st.svc.stats, counted = st.counted] {
    if (*counted) stats->conversations_active.fetch_sub(1, std::memory_order_relaxed);
  });
  if (!fresh) load(self);
  return {
      [=](send_atom, send_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](send_request& req, auto rp) {
          auto rid = req.rid;
          self->state.intake.push_back(
              queued_send{std::move(req), send_waiter{rp, rid}, {}});
          drain_intake(self);
        });
      },
      [=](open_atom, open_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](open_request& req, auto rp) {
          open_subscription(self, req, rp);
        });
      },
      [=](close_atom, close_request& req) -> caf::result<frame> {
        ++self->state.delegated_handled;
        touch(self);
        remove_subscriber(self, req.session.address());
        return reply_ok(req.rid);
      },
      [=](history_atom, history_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](history_request& req, auto rp) {
          auto& st = self->state;
          if (!visibility::can_read(access_of(self, req.user))) {
            rp.deliver(reply_not_found(*st.svc.stats, req.rid));
            return;
          }
          auto rid = req.rid;
          auto user = req.user;
          bool backwards = !req.has_after; // the newest page, or the one before `before`
          self->request(st.svc.db.for_key(st.id), caf::infinite, history_atom_v,
                        std::move(req))
              .then(
                  [=](const message_page& page) mutable {
                    auto& st = self->state;
                    if (page.failed) {
                      rp.deliver(reply_error(*st.svc.stats, rid, error_code::unavailable,
                                             "storage unavailable"));
                      return;
                    }
                    std::vector<std::string> items;
                    bool cut = encode_page(self, user, page.messages, backwards, items);
                    protocol::map_builder f;
                    f.raw_array("messages", items).boolean("more", cut || page.more);
                    rp.deliver(reply_ok(rid, f));
                  },
                  [=](const caf::error&) mutable {
                    rp.deliver(reply_error(*self->state.svc.stats, rid,
                                           error_code::unavailable,
                                           "storage unavailable"));
                  });
        });
      },
      [=](end_atom, end_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](end_request& req, auto rp) {
          end_conversation(self, req, rp);
        });
      },
      [=](support_atom, support_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](support_request& req, auto rp) {
          apply_support_op(self, req, rp);
        });
      },
      [=](wake_atom, wake_request& req) -> caf::result<frame> {
        return when_loaded(self, req,
                           [=](wake_request& req, auto rp) { wake(self, req, rp); });
      },
      [=](ai_atom, ai_action& req) -> caf::result<frame> {
        return when_loaded(
            self, req, [=](ai_action& req, auto rp) { apply_ai_action(self, req, rp); });
      },
      [=](members_atom, members_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](members_request& req, auto rp) {
          self->state.membership_queue.push_back(
              [=, req = std::move(req)]() mutable { change_members(self, req, rp); });
          run_membership_queue(self);
        });
      },
      [=](recheck_atom) {
        if (self->state.stage == conversation_state::phase::ready) revoke_lost(self);
      },
      [=](opened_atom) {
        go_live(self, caf::actor_cast<caf::actor_addr>(self->current_sender()));
      },
      [=](typing_atom, typing_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](typing_request& req, auto rp) {
          rp.deliver(change_typing(self, req));
        });
      },
      [=](typing_tick_atom) {
        auto& st = self->state;
        st.typing_tick_armed = false;
        for (auto& [user, was] : st.typing.expire(typing_now(self)))
          push_typing(self, user, false, was.internal);
        arm_typing_tick(self);
      },
      [=](read_atom, read_request& req) -> caf::result<frame> {
        return when_loaded(self, req,
                           [=](read_request& req, auto rp) { mark_read(self, req, rp); });
      },
      [=](around_atom, around_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](around_request& req, auto rp) {
          auto& st = self->state;
          if (!visibility::can_read(access_of(self, req.user))) {
            rp.deliver(reply_not_found(*st.svc.stats, req.rid));
            return;
          }
          if (req.seq > st.info.last_seq) {
            rp.deliver(reply_error(*st.svc.stats, req.rid, error_code::bad_request,
                                   "seq names no message you can see"));
            return;
          }
          auto from = req.seq > req.limit ? req.seq - req.limit : 1;
          auto to = std::min(st.info.last_seq, req.seq + req.limit);
          self->request(st.svc.db.for_key(st.id), caf::infinite, open_atom_v, st.id, from,
                        to)
              .then(
                  [=](const message_page& page) mutable {
                    if (page.failed)
                      rp.deliver(reply_error(*self->state.svc.stats, req.rid,
                                             error_code::unavailable,
                                             "storage unavailable"));
                    else
                      rp.deliver(around_reply(self, req, page.messages));
                  },
                  [=](const caf::error&) mutable {
                    rp.deliver(reply_error(*self->state.svc.stats, req.rid,
                                           error_code::unavailable,
                                           "storage unavailable"));
                  });
        });
      },
      [=](get_atom, get_request& req) -> caf::result<frame> {
        return when_loaded(self, req, [=](get_request& req, auto rp) {
          if (!visibility::can_read(access_of(self, req.user)))
            rp.deliver(reply_not_found(*self->state.svc.stats, req.rid));
          else
            rp.deliver(conv_reply(req.rid, self->state.info));
        });
      },
      [=](create_atom, create_request& req) -> caf::result<frame> {
        ++self->state.delegated_handled;
        touch(self);
        auto& st = self->state;
        auto rp = self->make_response_promise<frame>();
        if (st.stage != conversation_state::phase::creating) {
          if (req.conv.kind == protocol::conv_kind::support) {
            // A contact's support conversation has a fixed id: a second create
            // (another device, a race) lands here and gets the existing one.
            auto work = [=](create_request& req, auto rp) {
              existing_support(self, req, rp);
            };
            if (st.stage == conversation_state::phase::ready)
              work(req, rp);
            else
              st.parked.push_back([=, req = std::move(req)](bool ok) mutable {
                if (!ok)
                  rp.deliver(load_failure(self, req.rid));
                else
                  work(req, rp);
              });
            return rp;
          }
          rp.deliver(reply_error(*st.svc.stats, req.rid, error_code::conflict,
                                 "conversation already exists"));
          return rp;
        }
        st.info = req.conv;
        set_participants(self, req.conv.participants);
        write_request w;
        w.conv = st.id;
        w.create = true;
        w.conversation = req.conv;
        w.create_cid = req.create_cid;
        if (req.has_first) w.messages.push_back(req.first);
        w.support = req.conv.support;
        auto rid = req.rid;
        auto first = req.has_first ? std::optional{req.first} : std::nullopt;
        self->request(st.svc.writer, caf::infinite, write_atom_v, std::move(w))
            .then(
                [=](const write_outcome& out) mutable {
                  auto& st = self->state;
                  if (out.status != write_status::committed) {
                    rp.deliver(
                        reply_error(*st.svc.stats, rid, error_code::unavailable,
                                    "conversation not created; retry with the same cid"));
                    run_parked(self, false);
                    self->quit();
                    return;
                  }
                  st.ledger.emplace(st.info.last_seq, st.info.last_ts,
                                    st.svc.config->cid_cache);
                  init_support(self);
                  if (first) {
                    st.ledger->remember(first->author, first->cid, first->seq, first->ts);
                    remember_recent(self, *first, protocol::cut_preview(first->body));
                    prompt_agent(self, *first); // an AI default assignee answers it
                  }
                  rp.deliver(conv_reply(rid, st.info));
                  become_ready(self);
                },
                [=](const caf::error&) mutable {
                  rp.deliver(
                      reply_error(*self->state.svc.stats, rid, error_code::unavailable,
                                  "conversation not created; retry with the same cid"));
                  run_parked(self, false);
                  self->quit();
                });
        return rp;
      },
      [=](drain_atom) -> caf::result<bool> {
        auto rp = self->make_response_promise<bool>();
        self->state.drain_waiters.push_back(rp);
        check_drained(self);
        return rp;
      },
      [=](flush_atom) { flush(self); },
      [=](idle_atom) {
        auto& st = self->state;
        bool idle =
            st.subscribers.empty() && st.intake.empty() && !st.membership_busy &&
            st.membership_queue.empty() && st.ledger && st.ledger->idle() &&
            now_ms() - st.last_activity_ms >= st.svc.config->passivate_after.count();
        if (!idle) {
          arm_idle_timer(self);
          return;
        }
        self->request(st.svc.registry, caf::infinite, passivate_atom_v, st.id,
                      st.delegated_handled)
            .then(
                [=](bool granted) {
                  if (granted) {
                    self->quit();
                  } else {
                    arm_idle_timer(self);
                  }
                },
                [=](const caf::error&) { arm_idle_timer(self); });
      },
  };
}

} // namespace parley

#include "actors/conversation/conversation_internal.hpp"

#include <algorithm>

#include "actors/node/replies.hpp"
#include "actors/rules/typing_display.hpp"

// Typing indicators: the board, their pushes and their expiry.
namespace parley::conversation_detail {

using protocol::error_code;

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
  flush_remote(self);
}

/// Schedules the next typing expiry check, if anyone is typing.
void arm_typing_tick(self_ptr self) {
  auto& st = self->state;
  auto next = st.typing.next_expiry();
  if (st.typing_tick_armed || !next) return;
  st.typing_tick_armed = true;
  auto wait = std::max<std::int64_t>(*next - typing_now(self), 1);
  arm_timer(self, st.svc.timers, std::chrono::milliseconds{wait}, typing_tick_atom_v);
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

/// The typing tick: stops whoever has not refreshed in time, then re-arms.
void expire_typing(self_ptr self) {
  auto& st = self->state;
  st.typing_tick_armed = false;
  for (auto& [user, was] : st.typing.expire(typing_now(self)))
    push_typing(self, user, false, was.internal);
  arm_typing_tick(self);
}

} // namespace parley::conversation_detail

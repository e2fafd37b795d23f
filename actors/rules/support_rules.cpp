#include "actors/rules/support_rules.hpp"

#include <algorithm>
#include <limits>

namespace parley::support_rules {

namespace {

using protocol::error_code;
using protocol::failure;

step fail(const support_state& s, error_code code, std::string message) {
  return {failure{code, std::move(message)}, s, std::nullopt};
}

step unchanged(const support_state& s) {
  return {std::nullopt, s, std::nullopt};
}

step changed(support_state next, system_event event) {
  return {std::nullopt, std::move(next), std::move(event)};
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

step not_an_agent(const support_state& s, std::string_view what) {
  return fail(s, error_code::forbidden,
              "only staff (not guests) may " + std::string(what) +
                  " support conversations");
}

/// Leaves any snooze: the status becomes `to` and the wake-up time goes.
support_state with_status(support_state s, status to) {
  s.state = to;
  s.snoozed_until.reset();
  return s;
}

} // namespace

std::string_view to_string(status s) {
  switch (s) {
  case status::open:
    return "open";
  case status::closed:
    return "closed";
  case status::snoozed:
    return "snoozed";
  }
  return "open";
}

std::optional<status> parse_status(std::string_view name) {
  for (auto s : {status::open, status::closed, status::snoozed})
    if (to_string(s) == name) return s;
  return std::nullopt;
}

bool operator==(const support_state& a, const support_state& b) {
  return a.state == b.state && a.assignee == b.assignee &&
         a.assignee_is_ai == b.assignee_is_ai && a.team == b.team &&
         a.snoozed_until == b.snoozed_until && a.last_contact_ts == b.last_contact_ts &&
         a.unreplied == b.unreplied;
}

std::string_view to_string(system_event::kind k) {
  using K = system_event::kind;
  switch (k) {
  case K::assigned:
    return "assigned";
  case K::takeover:
    return "takeover";
  case K::closed:
    return "closed";
  case K::snoozed:
    return "snoozed";
  case K::unsnoozed:
    return "unsnoozed";
  case K::reopened:
    return "reopened";
  }
  return "assigned";
}

std::optional<closing_notes> parse_closing_notes(std::string_view name) {
  if (name == "off") return closing_notes::off;
  if (name == "optional") return closing_notes::optional;
  if (name == "required") return closing_notes::required;
  return std::nullopt;
}

bool works_the_inbox(const protocol::user_info& u) {
  return u.kind == protocol::user_kind::staff && u.role != protocol::staff_role::guest;
}

step contact_message(const support_state& s, std::string_view contact, bool blocked,
                     std::int64_t ts) {
  if (blocked) return fail(s, error_code::blocked, "this contact is blocked");
  auto next = s;
  next.last_contact_ts = ts;
  next.unreplied = true;
  if (s.state == status::open) return {std::nullopt, next, std::nullopt};
  system_event e;
  e.what = system_event::kind::reopened;
  e.by = std::string(contact);
  e.from = std::string(to_string(s.state));
  return changed(with_status(std::move(next), status::open), std::move(e));
}

step agent_reply(const support_state& s) {
  auto next = s;
  next.unreplied = false;
  return {std::nullopt, next, std::nullopt};
}

step ai_reply(const support_state& s, std::string_view ai_user) {
  if (!s.assignee_is_ai || s.assignee != ai_user)
    return fail(s, error_code::conflict,
                "the conversation is no longer assigned to this AI agent");
  return agent_reply(s);
}

step internal_comment(const support_state& s) {
  return unchanged(s);
}

step assign(const support_state& s, const protocol::user_info& caller,
            std::string_view org, const std::optional<std::string>& assignee_id,
            const protocol::user_info* assignee,
            const std::optional<std::string>& team_id, const protocol::team_info* team) {
  using protocol::user_kind;
  if (!works_the_inbox(caller)) return not_an_agent(s, "assign");
  bool to_ai = false;
  if (assignee_id) {
    if (!assignee || assignee->id != *assignee_id || assignee->org != org)
      return fail(s, error_code::bad_request, "unknown assignee");
    if (assignee->kind == user_kind::staff && !works_the_inbox(*assignee))
      return fail(s, error_code::bad_request,
                  "a guest cannot be assigned a support conversation");
    if (assignee->kind != user_kind::staff && assignee->kind != user_kind::ai)
      return fail(s, error_code::bad_request,
                  "the assignee must be a staff user or an ai user");
    to_ai = assignee->kind == user_kind::ai;
  }
  if (team_id && (!team || team->id != *team_id || team->org != org))
    return fail(s, error_code::bad_request, "unknown team");
  if (s.assignee == assignee_id && s.team == team_id &&
      (!assignee_id || s.assignee_is_ai == to_ai))
    return unchanged(s);
  auto next = s;
  next.assignee = assignee_id;
  next.assignee_is_ai = to_ai;
  next.team = team_id;
  system_event e;
  e.what = system_event::kind::assigned;
  e.by = caller.id;
  e.assignee = assignee_id;
  e.team = team_id;
  return changed(std::move(next), std::move(e));
}

step handoff(const support_state& s, std::string_view ai_user) {
  auto allowed = ai_reply(s, ai_user);
  if (!allowed.ok()) return allowed;
  auto next = s;
  next.assignee.reset();
  next.assignee_is_ai = false;
  system_event e;
  e.what = system_event::kind::assigned;
  e.by = std::string(ai_user);
  e.team = s.team;
  e.handoff = true;
  return changed(std::move(next), std::move(e));
}

step takeover(const support_state& s, const protocol::user_info& caller) {
  if (!works_the_inbox(caller)) return not_an_agent(s, "take over");
  if (!s.assignee || !s.assignee_is_ai)
    return fail(s, error_code::conflict,
                "takeover needs a conversation assigned to an AI agent");
  auto next = s;
  next.assignee = caller.id;
  next.assignee_is_ai = false;
  system_event e;
  e.what = system_event::kind::takeover;
  e.by = caller.id;
  e.from = s.assignee;
  return changed(std::move(next), std::move(e));
}

step close(const support_state& s, const protocol::user_info& caller,
           closing_notes policy, const std::optional<std::string>& note) {
  if (!works_the_inbox(caller)) return not_an_agent(s, "close");
  bool has_note = note && !blank(*note);
  if (policy != closing_notes::off && has_note && note->size() > max_note_bytes)
    return fail(s, error_code::too_large,
                "the closing note is longer than " + std::to_string(max_note_bytes) +
                    " bytes");
  if (policy == closing_notes::required && !has_note)
    return fail(s, error_code::bad_request, "this organisation requires a closing note");
  if (s.state == status::closed) return unchanged(s);
  system_event e;
  e.what = system_event::kind::closed;
  e.by = caller.id;
  if (policy != closing_notes::off && has_note) e.note = note;
  return changed(with_status(s, status::closed), std::move(e));
}

step snooze(const support_state& s, const protocol::user_info& caller,
            bool contact_blocked, std::int64_t until, std::int64_t now) {
  if (!works_the_inbox(caller)) return not_an_agent(s, "snooze");
  if (contact_blocked)
    return fail(s, error_code::blocked,
                "a blocked contact's conversation cannot be snoozed");
  if (s.state == status::closed)
    return fail(s, error_code::conflict, "a closed conversation cannot be snoozed");
  if (until <= now)
    return fail(s, error_code::bad_request, "until must be in the future");
  if (until - now > max_snooze_ms)
    return fail(s, error_code::bad_request, "until must be within a year");
  auto next = s;
  next.state = status::snoozed;
  next.snoozed_until = until;
  system_event e;
  e.what = system_event::kind::snoozed;
  e.by = caller.id;
  e.until = until;
  return changed(std::move(next), std::move(e));
}

step unsnooze(const support_state& s, const protocol::user_info& caller) {
  if (!works_the_inbox(caller)) return not_an_agent(s, "unsnooze");
  if (s.state != status::snoozed) return unchanged(s);
  system_event e;
  e.what = system_event::kind::unsnoozed;
  e.by = caller.id;
  return changed(with_status(s, status::open), std::move(e));
}

step wake(const support_state& s, std::int64_t now) {
  if (s.state != status::snoozed || !s.snoozed_until || *s.snoozed_until > now)
    return unchanged(s);
  system_event e;
  e.what = system_event::kind::unsnoozed;
  return changed(with_status(s, status::open), std::move(e));
}

std::optional<protocol::failure> check_window(std::int64_t window_hours,
                                              std::optional<std::int64_t> last_contact_ts,
                                              std::int64_t created_at, std::int64_t now,
                                              bool internal, bool from_contact) {
  if (window_hours <= 0 || internal || from_contact) return std::nullopt;
  constexpr std::int64_t hour_ms = 3600 * 1000;
  // Saturate: a window longer than the clock's range never closes.
  if (window_hours > std::numeric_limits<std::int64_t>::max() / hour_ms)
    return std::nullopt;
  std::int64_t since = last_contact_ts.value_or(created_at);
  // `now - since` cannot overflow for real times; a clock behind `since` is age 0.
  if (now <= since || now - since <= window_hours * hour_ms) return std::nullopt;
  return failure{error_code::window_closed,
                 "the contact's last message is older than the messaging window (" +
                     std::to_string(window_hours) + " h)"};
}

} // namespace parley::support_rules

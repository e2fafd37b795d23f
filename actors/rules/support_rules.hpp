#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/error_code.hpp"
#include "protocol/types.hpp"

// The support conversation's state and its transitions (docs/protocol.md §9), and
// the messaging window check. Pure: no CAF, no clock (callers pass `now`), no
// directory (callers pass the users and teams they looked up). The conversation
// actor holds a `support_state`, asks a function here for each event, stores the
// new state and records the returned system event as a message with `system`.
// Decisions: docs/protocol.md §9, "Support state and transitions" and "Messaging
// window".
namespace parley::support_rules {

enum class status { open, closed, snoozed };
std::string_view to_string(status s);
std::optional<status> parse_status(std::string_view name);

/// What a support conversation carries beyond an ordinary one.
struct support_state {
  status state = status::open;
  std::optional<std::string> assignee; // a staff user or an `ai` user
  bool assignee_is_ai = false;         // meaningful only with an assignee
  std::optional<std::string> team;
  std::optional<std::int64_t> snoozed_until;   // only while snoozed
  std::optional<std::int64_t> last_contact_ts; // the contact's last message
  bool unreplied = false; // the last non-internal message is from the contact
};

bool operator==(const support_state& a, const support_state& b);

/// The server-written event a transition records (`system: {event, by, ...}` on the
/// message push). Keys per event (absent optionals are not sent):
///   assigned:  by, assignee and team (each an id or nil, always sent), handoff (true,
///              only when an AI agent handed the conversation to humans)
///   takeover:  by, from (the AI user taken over from)
///   closed:    by, note (when recorded)
///   snoozed:   by, until
///   unsnoozed: by (nil when the snooze expired by itself)
///   reopened:  by (the contact), from ("closed" | "snoozed")
struct system_event {
  enum class kind { assigned, takeover, closed, snoozed, unsnoozed, reopened };
  kind what = kind::assigned;
  std::string by; // empty: the server itself (nil on the wire)
  std::optional<std::string> assignee;
  std::optional<std::string> team;
  std::optional<std::string> from;
  std::optional<std::string> note;
  std::optional<std::int64_t> until;
  bool handoff = false;
};
std::string_view to_string(system_event::kind k);

/// The result of one transition: either a failure (state unchanged), or the new
/// state and, when something visible changed, the event to record. A request that
/// changes nothing (closing a closed conversation, unsnoozing an open one) succeeds
/// with no event, so retries are harmless.
struct step {
  std::optional<protocol::failure> error;
  support_state state;
  std::optional<system_event> event;

  bool ok() const { return !error.has_value(); }
};

/// The org's `closing_notes` setting.
enum class closing_notes { off, optional, required };
std::optional<closing_notes> parse_closing_notes(std::string_view name);

/// Longest closing note, in bytes (longer: `too_large`, like a long body).
inline constexpr std::size_t max_note_bytes = 64 * 1024;
/// Latest snooze, counted from now: one year.
inline constexpr std::int64_t max_snooze_ms = 366LL * 24 * 3600 * 1000;

/// True for the users who work the inbox: staff other than guests.
bool works_the_inbox(const protocol::user_info& u);

/// A non-internal message from the conversation's contact at `ts`: refused with
/// `blocked` for a blocked contact; otherwise reopens a closed or snoozed
/// conversation (event `reopened`), sets last_contact_ts and unreplied.
step contact_message(const support_state& s, std::string_view contact, bool blocked,
                     std::int64_t ts);

/// A non-internal message from anyone but the contact (staff, the assignee AI, the
/// alias): unreplied becomes false; the status does not change (only the contact
/// reopens). No event. The window check comes first (check_window).
step agent_reply(const support_state& s);

/// An AI agent's reply (or handoff) is accepted only while that agent is the
/// assignee: after a takeover or a reassignment it is refused with `conflict` and
/// never stored.
step ai_reply(const support_state& s, std::string_view ai_user);

/// An internal comment (staff only; checked by the message path): changes nothing.
step internal_comment(const support_state& s);

/// `support.assign {conv, assignee?, team?}` by `caller` (staff, not guests:
/// `forbidden`). The op sets the whole assignment: an absent assignee or team means
/// none. `assignee` must be a staff user (not a guest) or an `ai` user of the org
/// (`bad_request`); `team` a team of the org (`bad_request`). The caller looks them
/// up and passes nullptr for an unknown id (`assignee_id`/`team_id` say what was
/// asked for). An unchanged assignment succeeds with no event.
step assign(const support_state& s, const protocol::user_info& caller,
            std::string_view org, const std::optional<std::string>& assignee_id,
            const protocol::user_info* assignee,
            const std::optional<std::string>& team_id, const protocol::team_info* team);

/// The AI agent's handoff (fallback "handoff"): only while it is the assignee
/// (`conflict` otherwise); clears the assignee, keeps the team. Event `assigned`
/// with `handoff`.
step handoff(const support_state& s, std::string_view ai_user);

/// `support.takeover {conv}` by `caller` (staff, not guests: `forbidden`): only while
/// the assignee is an `ai` user (`conflict` otherwise); assigns the caller, keeps the
/// team. Event `takeover` with `from`.
step takeover(const support_state& s, const protocol::user_info& caller);

/// `support.close {conv, note?}` by `caller` (staff, not guests: `forbidden`) under
/// the org's policy: `off` ignores the note; `optional` records a non-blank one;
/// `required` refuses a missing or blank note (`bad_request`). A note longer than
/// max_note_bytes is `too_large`. Closing clears a snooze and keeps the assignment
/// and `unreplied`; closing a closed conversation succeeds with no event.
step close(const support_state& s, const protocol::user_info& caller,
           closing_notes policy, const std::optional<std::string>& note);

/// `support.snooze {conv, until}` by `caller` (staff, not guests: `forbidden`):
/// `blocked` for a blocked contact; `conflict` for a closed conversation;
/// `bad_request` unless now < until <= now + max_snooze_ms. Re-snoozing moves
/// `until` (a new event).
step snooze(const support_state& s, const protocol::user_info& caller,
            bool contact_blocked, std::int64_t until, std::int64_t now);

/// `support.unsnooze {conv}` by `caller` (staff, not guests: `forbidden`): a snoozed
/// conversation opens (event `unsnoozed` by the caller); otherwise nothing changes.
step unsnooze(const support_state& s, const protocol::user_info& caller);

/// The scheduler's wake-up at `now`: a conversation snoozed until at most `now`
/// opens (event `unsnoozed`, by nil; the assignee gets `{op: "unsnoozed"}`). A stale
/// wake-up (re-snoozed later, unsnoozed, closed, reopened) changes nothing.
step wake(const support_state& s, std::int64_t now);

/// The messaging window (`window_hours`, 0 = none): nullopt when a message may be
/// sent, else the `window_closed` failure. Only non-internal messages from anyone but
/// the contact are checked. The window is measured from the contact's last message,
/// or from the conversation's creation (`created_at`; the contact opens support
/// conversations) while it has written none. A message exactly `window_hours` after
/// it is still allowed ("older than" is strict).
std::optional<protocol::failure> check_window(std::int64_t window_hours,
                                              std::optional<std::int64_t> last_contact_ts,
                                              std::int64_t created_at, std::int64_t now,
                                              bool internal, bool from_contact);

} // namespace parley::support_rules

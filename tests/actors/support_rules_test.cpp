// The support conversation's transitions and the messaging window (docs/protocol.md
// §9) as tables: a state, an event, who causes it -> the new state, the
// system event recorded, or the error code. Expectations follow the decisions in
// docs/protocol.md (§9, "Support state and transitions", "Messaging window").
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "actors/rules/support_rules.hpp"

namespace parley::support_rules {
namespace {

using protocol::error_code;
using protocol::staff_role;
using protocol::team_info;
using protocol::user_info;
using protocol::user_kind;
using K = system_event::kind;

constexpr std::string_view org = "acme";
constexpr std::int64_t now = 1'700'000'000'000;
constexpr std::int64_t hour = 3600 * 1000;

user_info make(std::string id, user_kind kind, std::optional<staff_role> role = {},
               std::string_view in_org = org) {
  user_info u;
  u.id = std::move(id);
  u.org = std::string(in_org);
  u.kind = kind;
  u.role = role;
  u.name = u.id;
  return u;
}

const user_info ann = make("ann", user_kind::staff, staff_role::member);
const user_info bob = make("bob", user_kind::staff); // no role given: member
const user_info boss = make("boss", user_kind::staff, staff_role::owner);
const user_info guest = make("gus", user_kind::staff, staff_role::guest);
const user_info robo = make("robo", user_kind::ai);
const user_info carl = make("carl", user_kind::contact);
const user_info cleo = make("cleo", user_kind::client);
const user_info alias = make("help", user_kind::bot);
const user_info far = make("far", user_kind::staff, staff_role::member, "globex");
const team_info billing{"billing", std::string(org), "Billing", {"ann"}};
const team_info far_team{"far-team", "globex", "Far", {}};

support_state open_state() {
  return {};
}
support_state with_ai() {
  support_state s;
  s.assignee = "robo";
  s.assignee_is_ai = true;
  s.team = "billing";
  return s;
}
support_state with_ann() {
  support_state s;
  s.assignee = "ann";
  return s;
}
support_state closed_state() {
  support_state s = with_ann();
  s.state = status::closed;
  s.last_contact_ts = now - hour;
  return s;
}
support_state snoozed_state(std::int64_t until = now + hour) {
  support_state s = with_ann();
  s.state = status::snoozed;
  s.snoozed_until = until;
  return s;
}

/// One row: a transition applied to a state, and what must come out.
struct row {
  const char* what;
  std::function<step()> run;
  std::optional<error_code> error;         // set: refused, state unchanged
  std::function<support_state()> expected; // when ok: the new state
  std::optional<K> event;                  // when ok: the event, if any
  std::function<void(const system_event&)> check_event = nullptr; // its fields
};

void run_rows(const std::vector<row>& rows, const support_state& before) {
  for (const auto& r : rows) {
    auto got = r.run();
    if (r.error) {
      ASSERT_FALSE(got.ok()) << "case: " << r.what;
      EXPECT_EQ(to_string(got.error->code), to_string(*r.error)) << "case: " << r.what;
      EXPECT_FALSE(got.error->message.empty()) << "case: " << r.what;
      EXPECT_TRUE(got.state == before) << "case: " << r.what << " (state kept)";
      EXPECT_FALSE(got.event) << "case: " << r.what;
      continue;
    }
    ASSERT_TRUE(got.ok()) << "case: " << r.what << ": " << got.error->message;
    EXPECT_TRUE(got.state == r.expected()) << "case: " << r.what;
    ASSERT_EQ(got.event.has_value(), r.event.has_value()) << "case: " << r.what;
    if (got.event) {
      EXPECT_EQ(to_string(got.event->what), to_string(*r.event)) << "case: " << r.what;
      if (r.check_event) r.check_event(*got.event);
    }
  }
}

// ---------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------

TEST(support_rules, a_contact_message_reopens_and_marks_unreplied) {
  struct msg_row {
    const char* what;
    support_state before;
    bool blocked;
    std::optional<error_code> error;
    std::optional<std::string> reopened_from;
  };
  const std::vector<msg_row> rows{
      {"open: stays open", open_state(), false, {}, {}},
      {"open, assigned to ai: stays", with_ai(), false, {}, {}},
      {"closed: reopens", closed_state(), false, {}, "closed"},
      {"snoozed: reopens and forgets until", snoozed_state(), false, {}, "snoozed"},
      {"blocked contact: refused", open_state(), true, error_code::blocked, {}},
      {"blocked contact, closed: refused, stays closed",
       closed_state(),
       true,
       error_code::blocked,
       {}},
  };
  for (const auto& r : rows) {
    auto got = contact_message(r.before, "carl", r.blocked, now);
    if (r.error) {
      ASSERT_FALSE(got.ok()) << "case: " << r.what;
      EXPECT_EQ(got.error->code, *r.error) << "case: " << r.what;
      EXPECT_TRUE(got.state == r.before) << "case: " << r.what;
      continue;
    }
    ASSERT_TRUE(got.ok()) << "case: " << r.what;
    auto expected = r.before;
    expected.state = status::open;
    expected.snoozed_until.reset();
    expected.last_contact_ts = now;
    expected.unreplied = true;
    EXPECT_TRUE(got.state == expected) << "case: " << r.what;
    EXPECT_EQ(got.event.has_value(), r.reopened_from.has_value()) << "case: " << r.what;
    if (got.event) {
      EXPECT_EQ(got.event->what, K::reopened) << "case: " << r.what;
      EXPECT_EQ(got.event->by, "carl") << "case: " << r.what;
      EXPECT_EQ(got.event->from, r.reopened_from) << "case: " << r.what;
    }
  }
}

TEST(support_rules, replies_and_comments) {
  auto waiting = with_ai();
  waiting.unreplied = true;
  waiting.last_contact_ts = now;
  auto answered = waiting;
  answered.unreplied = false;
  auto closed_waiting = closed_state();
  closed_waiting.unreplied = true;
  auto closed_answered = closed_waiting;
  closed_answered.unreplied = false;

  EXPECT_TRUE(agent_reply(waiting).state == answered) << "case: staff reply";
  EXPECT_FALSE(agent_reply(waiting).event) << "case: staff reply records nothing";
  EXPECT_TRUE(agent_reply(closed_waiting).state == closed_answered)
      << "case: a reply does not reopen a closed conversation";
  EXPECT_TRUE(internal_comment(waiting).state == waiting)
      << "case: an internal comment leaves unreplied";
  EXPECT_FALSE(internal_comment(waiting).event) << "case: comment records nothing";

  EXPECT_TRUE(ai_reply(waiting, "robo").state == answered) << "case: assignee ai replies";
  auto taken = waiting;
  taken.assignee = "ann";
  taken.assignee_is_ai = false;
  struct refused {
    const char* what;
    support_state s;
    const char* ai;
  };
  for (const auto& r : std::vector<refused>{
           {"after a takeover", taken, "robo"},
           {"another ai", waiting, "other-ai"},
           {"unassigned", open_state(), "robo"},
           {"a staff assignee with the ai's id is not the ai",
            [] {
              auto s = with_ann();
              s.assignee = "robo";
              return s;
            }(),
            "robo"},
       }) {
    auto got = ai_reply(r.s, r.ai);
    ASSERT_FALSE(got.ok()) << "case: " << r.what;
    EXPECT_EQ(got.error->code, error_code::conflict) << "case: " << r.what;
    EXPECT_TRUE(got.state == r.s) << "case: " << r.what;
  }
}

// ---------------------------------------------------------------------------
// Assignment, handoff, takeover
// ---------------------------------------------------------------------------

TEST(support_rules, assign) {
  const auto before = with_ai();
  using opt = std::optional<std::string>;
  auto to = [](opt who, bool ai, opt team) {
    return [=] {
      auto s = with_ai();
      s.assignee = who;
      s.assignee_is_ai = ai;
      s.team = team;
      return s;
    };
  };
  auto assigned_to = [](opt who, opt team) {
    return [=](const system_event& e) {
      EXPECT_EQ(e.by, "ann");
      EXPECT_EQ(e.assignee, who);
      EXPECT_EQ(e.team, team);
      EXPECT_FALSE(e.handoff);
    };
  };
  const std::vector<row> rows{
      {"to a staff user and a team",
       [&] { return assign(before, ann, org, "bob", &bob, "billing", &billing); },
       {},
       to("bob", false, "billing"),
       K::assigned,
       assigned_to("bob", "billing")},
      {"to the caller, no team",
       [&] { return assign(before, ann, org, "ann", &ann, {}, nullptr); },
       {},
       to("ann", false, {}),
       K::assigned,
       assigned_to("ann", {})},
      {"to an owner",
       [&] { return assign(before, ann, org, "boss", &boss, {}, nullptr); },
       {},
       to("boss", false, {}),
       K::assigned,
       assigned_to("boss", {})},
      {"to a team only: nobody in person",
       [&] { return assign(before, ann, org, {}, nullptr, "billing", &billing); },
       {},
       to({}, false, "billing"),
       K::assigned,
       assigned_to({}, "billing")},
      {"to nobody",
       [&] { return assign(before, ann, org, {}, nullptr, {}, nullptr); },
       {},
       to({}, false, {}),
       K::assigned,
       assigned_to({}, {})},
      {"to another ai",
       [&] {
         auto other = make("robo2", user_kind::ai);
         return assign(before, ann, org, "robo2", &other, "billing", &billing);
       },
       {},
       to("robo2", true, "billing"),
       K::assigned,
       assigned_to("robo2", "billing")},
      {"unchanged: no event",
       [&] { return assign(before, ann, org, "robo", &robo, "billing", &billing); },
       {},
       to("robo", true, "billing"),
       {}},
      {"by a guest",
       [&] { return assign(before, guest, org, "ann", &ann, {}, nullptr); },
       error_code::forbidden,
       nullptr,
       {}},
      {"by the ai",
       [&] { return assign(before, robo, org, "ann", &ann, {}, nullptr); },
       error_code::forbidden,
       nullptr,
       {}},
      {"by the contact",
       [&] { return assign(before, carl, org, {}, nullptr, {}, nullptr); },
       error_code::forbidden,
       nullptr,
       {}},
      {"by a client",
       [&] { return assign(before, cleo, org, {}, nullptr, {}, nullptr); },
       error_code::forbidden,
       nullptr,
       {}},
      {"to a guest",
       [&] { return assign(before, ann, org, "gus", &guest, {}, nullptr); },
       error_code::bad_request,
       nullptr,
       {}},
      {"to the contact",
       [&] { return assign(before, ann, org, "carl", &carl, {}, nullptr); },
       error_code::bad_request,
       nullptr,
       {}},
      {"to a client",
       [&] { return assign(before, ann, org, "cleo", &cleo, {}, nullptr); },
       error_code::bad_request,
       nullptr,
       {}},
      {"to the alias bot",
       [&] { return assign(before, ann, org, "help", &alias, {}, nullptr); },
       error_code::bad_request,
       nullptr,
       {}},
      {"to an unknown user",
       [&] { return assign(before, ann, org, "nobody", nullptr, {}, nullptr); },
       error_code::bad_request,
       nullptr,
       {}},
      {"to staff of another org",
       [&] { return assign(before, ann, org, "far", &far, {}, nullptr); },
       error_code::bad_request,
       nullptr,
       {}},
      {"to an unknown team",
       [&] { return assign(before, ann, org, "ann", &ann, "nope", nullptr); },
       error_code::bad_request,
       nullptr,
       {}},
      {"to a team of another org",
       [&] { return assign(before, ann, org, "ann", &ann, "far-team", &far_team); },
       error_code::bad_request,
       nullptr,
       {}},
  };
  run_rows(rows, before);
}

TEST(support_rules, assign_keeps_status_and_waiting) {
  auto s = snoozed_state();
  s.unreplied = true;
  s.last_contact_ts = now - hour;
  auto got = assign(s, ann, org, "bob", &bob, {}, nullptr);
  ASSERT_TRUE(got.ok());
  auto expected = s;
  expected.assignee = "bob";
  EXPECT_TRUE(got.state == expected);
}

TEST(support_rules, handoff_and_takeover) {
  const auto before = with_ai();
  auto humans = [] {
    auto s = with_ai();
    s.assignee.reset();
    s.assignee_is_ai = false;
    return s;
  };
  auto taken_by = [](const char* who) {
    return [=] {
      auto s = with_ai();
      s.assignee = who;
      s.assignee_is_ai = false;
      return s;
    };
  };
  const std::vector<row> rows{
      {"the assignee ai hands off: unassigned, team kept",
       [&] { return handoff(before, "robo"); },
       {},
       humans,
       K::assigned,
       [](const system_event& e) {
         EXPECT_EQ(e.by, "robo");
         EXPECT_EQ(e.assignee, std::nullopt);
         EXPECT_EQ(e.team, std::optional<std::string>("billing"));
         EXPECT_TRUE(e.handoff);
       }},
      {"another ai cannot hand off",
       [&] { return handoff(before, "robo2"); },
       error_code::conflict,
       nullptr,
       {}},
      {"staff takes over from the ai",
       [&] { return takeover(before, ann); },
       {},
       taken_by("ann"),
       K::takeover,
       [](const system_event& e) {
         EXPECT_EQ(e.by, "ann");
         EXPECT_EQ(e.from, std::optional<std::string>("robo"));
       }},
      {"an owner takes over",
       [&] { return takeover(before, boss); },
       {},
       taken_by("boss"),
       K::takeover},
      {"a guest cannot take over",
       [&] { return takeover(before, guest); },
       error_code::forbidden,
       nullptr,
       {}},
      {"the contact cannot take over",
       [&] { return takeover(before, carl); },
       error_code::forbidden,
       nullptr,
       {}},
      {"an ai cannot take over",
       [&] { return takeover(before, robo); },
       error_code::forbidden,
       nullptr,
       {}},
  };
  run_rows(rows, before);

  for (const auto& [what, s] : std::vector<std::pair<const char*, support_state>>{
           {"assigned to staff", with_ann()},
           {"unassigned", open_state()},
           {"a team only", [] {
              support_state s;
              s.team = "billing";
              return s;
            }()}}) {
    auto got = takeover(s, bob);
    ASSERT_FALSE(got.ok()) << "case: takeover " << what;
    EXPECT_EQ(got.error->code, error_code::conflict) << "case: takeover " << what;
    auto h = handoff(s, "robo");
    ASSERT_FALSE(h.ok()) << "case: handoff " << what;
    EXPECT_EQ(h.error->code, error_code::conflict) << "case: handoff " << what;
  }
}

TEST(support_rules, after_a_takeover_the_ai_is_refused_until_reassigned) {
  auto s = with_ai();
  auto taken = takeover(s, ann);
  ASSERT_TRUE(taken.ok());
  EXPECT_EQ(ai_reply(taken.state, "robo").error->code, error_code::conflict);
  EXPECT_EQ(handoff(taken.state, "robo").error->code, error_code::conflict);
  auto back = assign(taken.state, ann, org, "robo", &robo, "billing", &billing);
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(ai_reply(back.state, "robo").ok());
}

// ---------------------------------------------------------------------------
// Close
// ---------------------------------------------------------------------------

TEST(support_rules, close_follows_the_closing_notes_policy) {
  using N = closing_notes;
  struct close_row {
    const char* what;
    N policy;
    std::optional<std::string> note;
    std::optional<error_code> error;
    std::optional<std::string> recorded;
  };
  const std::string big(max_note_bytes + 1, 'n');
  const std::vector<close_row> rows{
      {"off, no note", N::off, {}, {}, {}},
      {"off, a note is ignored", N::off, "done", {}, {}},
      {"off, even a long note is ignored", N::off, big, {}, {}},
      {"optional, no note", N::optional, {}, {}, {}},
      {"optional, a note is recorded", N::optional, "done", {}, "done"},
      {"optional, a blank note is no note", N::optional, " \n\t", {}, {}},
      {"optional, too long", N::optional, big, error_code::too_large, {}},
      {"required, a note is recorded", N::required, "done", {}, "done"},
      {"required, no note", N::required, {}, error_code::bad_request, {}},
      {"required, empty note", N::required, "", error_code::bad_request, {}},
      {"required, blank note", N::required, "  \r\n", error_code::bad_request, {}},
      {"required, too long", N::required, big, error_code::too_large, {}},
      {"required, longest note",
       N::required,
       std::string(max_note_bytes, 'n'),
       {},
       std::string(max_note_bytes, 'n')},
  };
  auto before = with_ai();
  before.unreplied = true;
  for (const auto& r : rows) {
    auto got = close(before, ann, r.policy, r.note);
    if (r.error) {
      ASSERT_FALSE(got.ok()) << "case: " << r.what;
      EXPECT_EQ(got.error->code, *r.error) << "case: " << r.what;
      EXPECT_TRUE(got.state == before) << "case: " << r.what;
      continue;
    }
    ASSERT_TRUE(got.ok()) << "case: " << r.what;
    auto expected = before;
    expected.state = status::closed;
    EXPECT_TRUE(got.state == expected) << "case: " << r.what << " (assignment and "
                                       << "unreplied kept)";
    ASSERT_TRUE(got.event) << "case: " << r.what;
    EXPECT_EQ(got.event->what, K::closed) << "case: " << r.what;
    EXPECT_EQ(got.event->by, "ann") << "case: " << r.what;
    EXPECT_EQ(got.event->note, r.recorded) << "case: " << r.what;
  }
}

TEST(support_rules, close_who_and_when) {
  auto closed = closed_state();
  auto again = close(closed, ann, closing_notes::optional, "twice");
  ASSERT_TRUE(again.ok()) << "case: closing a closed conversation";
  EXPECT_TRUE(again.state == closed);
  EXPECT_FALSE(again.event) << "case: closing a closed conversation records nothing";
  auto required_again = close(closed, ann, closing_notes::required, std::nullopt);
  EXPECT_EQ(required_again.error->code, error_code::bad_request)
      << "case: the note is required even when already closed";

  auto snoozed = close(snoozed_state(), ann, closing_notes::off, std::nullopt);
  ASSERT_TRUE(snoozed.ok());
  EXPECT_EQ(snoozed.state.state, status::closed) << "case: closing a snoozed one";
  EXPECT_EQ(snoozed.state.snoozed_until, std::nullopt) << "case: the snooze is gone";

  for (const auto* who : {&guest, &robo, &carl, &cleo, &alias}) {
    auto got = close(open_state(), *who, closing_notes::off, std::nullopt);
    ASSERT_FALSE(got.ok()) << "case: closed by " << who->id;
    EXPECT_EQ(got.error->code, error_code::forbidden) << "case: closed by " << who->id;
  }
}

// ---------------------------------------------------------------------------
// Snooze, unsnooze, wake
// ---------------------------------------------------------------------------

TEST(support_rules, snooze) {
  struct snooze_row {
    const char* what;
    support_state before;
    const user_info* caller;
    bool blocked;
    std::int64_t until;
    std::optional<error_code> error;
  };
  const std::vector<snooze_row> rows{
      {"an hour ahead", with_ann(), &ann, false, now + hour, {}},
      {"one millisecond ahead", with_ann(), &ann, false, now + 1, {}},
      {"a year ahead", with_ann(), &ann, false, now + max_snooze_ms, {}},
      {"re-snooze moves until",
       snoozed_state(now + hour),
       &ann,
       false,
       now + 2 * hour,
       {}},
      {"assigned to the ai", with_ai(), &bob, false, now + hour, {}},
      {"now is not the future", with_ann(), &ann, false, now, error_code::bad_request},
      {"the past", with_ann(), &ann, false, now - 1, error_code::bad_request},
      {"beyond a year", with_ann(), &ann, false, now + max_snooze_ms + 1,
       error_code::bad_request},
      {"blocked contact", with_ann(), &ann, true, now + hour, error_code::blocked},
      {"blocked contact, bad until: blocked first", with_ann(), &ann, true, now - 1,
       error_code::blocked},
      {"closed", closed_state(), &ann, false, now + hour, error_code::conflict},
      {"by a guest", with_ann(), &guest, false, now + hour, error_code::forbidden},
      {"by a guest, blocked contact: forbidden first", with_ann(), &guest, true,
       now + hour, error_code::forbidden},
      {"by the ai", with_ai(), &robo, false, now + hour, error_code::forbidden},
      {"by the contact", with_ann(), &carl, false, now + hour, error_code::forbidden},
  };
  for (const auto& r : rows) {
    auto got = snooze(r.before, *r.caller, r.blocked, r.until, now);
    if (r.error) {
      ASSERT_FALSE(got.ok()) << "case: " << r.what;
      EXPECT_EQ(got.error->code, *r.error) << "case: " << r.what;
      EXPECT_TRUE(got.state == r.before) << "case: " << r.what;
      continue;
    }
    ASSERT_TRUE(got.ok()) << "case: " << r.what << ": " << got.error->message;
    auto expected = r.before;
    expected.state = status::snoozed;
    expected.snoozed_until = r.until;
    EXPECT_TRUE(got.state == expected) << "case: " << r.what;
    ASSERT_TRUE(got.event) << "case: " << r.what;
    EXPECT_EQ(got.event->what, K::snoozed) << "case: " << r.what;
    EXPECT_EQ(got.event->by, r.caller->id) << "case: " << r.what;
    EXPECT_EQ(got.event->until, r.until) << "case: " << r.what;
  }
}

TEST(support_rules, unsnooze_and_wake) {
  auto opened = [] { return with_ann(); };
  auto same = [](support_state s) { return [=] { return s; }; };
  const auto snoozed = snoozed_state(now + hour);
  const std::vector<row> rows{
      {"unsnooze a snoozed one",
       [&] { return unsnooze(snoozed, ann); },
       {},
       opened,
       K::unsnoozed,
       [](const system_event& e) { EXPECT_EQ(e.by, "ann"); }},
      {"unsnooze an open one: nothing",
       [&] { return unsnooze(with_ann(), ann); },
       {},
       same(with_ann()),
       {}},
      {"unsnooze a closed one: nothing",
       [&] { return unsnooze(closed_state(), ann); },
       {},
       same(closed_state()),
       {}},
      {"unsnooze by a guest",
       [&] { return unsnooze(snoozed, guest); },
       error_code::forbidden,
       nullptr,
       {}},
      {"unsnooze by the contact",
       [&] { return unsnooze(snoozed, carl); },
       error_code::forbidden,
       nullptr,
       {}},
      {"wake exactly at until",
       [&] { return wake(snoozed, now + hour); },
       {},
       opened,
       K::unsnoozed,
       [](const system_event& e) { EXPECT_EQ(e.by, ""); }},
      {"wake late (after a restart)",
       [&] { return wake(snoozed, now + 5 * hour); },
       {},
       opened,
       K::unsnoozed},
      {"wake early: a stale timer after a re-snooze",
       [&] { return wake(snoozed, now); },
       {},
       same(snoozed),
       {}},
      {"wake an open one: nothing",
       [&] { return wake(with_ann(), now + 9 * hour); },
       {},
       same(with_ann()),
       {}},
      {"wake a closed one: nothing",
       [&] { return wake(closed_state(), now + 9 * hour); },
       {},
       same(closed_state()),
       {}},
  };
  run_rows(rows, snoozed);
}

// ---------------------------------------------------------------------------
// The messaging window
// ---------------------------------------------------------------------------

TEST(support_rules, the_messaging_window) {
  struct window_row {
    const char* what;
    std::int64_t hours;
    std::optional<std::int64_t> last_contact;
    std::int64_t created_at;
    std::int64_t at;
    bool internal;
    bool from_contact;
    bool refused;
  };
  const std::int64_t t = now;
  const std::int64_t day = 24 * hour;
  const std::vector<window_row> rows{
      {"no window", 0, t - 100 * day, t - 100 * day, t, false, false, false},
      {"negative hours: no window", -1, t - 100 * day, t - 100 * day, t, false, false,
       false},
      {"inside", 24, t - hour, t - 2 * day, t, false, false, false},
      {"exactly at the boundary: allowed", 24, t - day, t - 2 * day, t, false, false,
       false},
      {"one ms past the boundary", 24, t - day - 1, t - 2 * day, t, false, false, true},
      {"long past", 24, t - 30 * day, t - 40 * day, t, false, false, true},
      {"internal comment past the window", 24, t - 30 * day, t - 40 * day, t, true, false,
       false},
      {"the contact itself past the window", 24, t - 30 * day, t - 40 * day, t, false,
       true, false},
      {"no contact message: from creation, inside",
       24,
       {},
       t - hour,
       t,
       false,
       false,
       false},
      {"no contact message: from creation, boundary",
       24,
       {},
       t - day,
       t,
       false,
       false,
       false},
      {"no contact message: from creation, past",
       24,
       {},
       t - day - 1,
       t,
       false,
       false,
       true},
      {"contact message newer than creation counts", 24, t - hour, t - 30 * day, t, false,
       false, false},
      {"clock behind the contact's message", 24, t + hour, t - day, t, false, false,
       false},
      {"huge window never closes", std::numeric_limits<std::int64_t>::max(), 0, 0, t,
       false, false, false},
      {"one hour window", 1, t - hour - 1, t - day, t, false, false, true},
  };
  for (const auto& r : rows) {
    auto got = check_window(r.hours, r.last_contact, r.created_at, r.at, r.internal,
                            r.from_contact);
    EXPECT_EQ(got.has_value(), r.refused) << "case: " << r.what;
    if (got) {
      EXPECT_EQ(got->code, error_code::window_closed) << "case: " << r.what;
      EXPECT_FALSE(got->message.empty()) << "case: " << r.what;
    }
  }
}

// ---------------------------------------------------------------------------
// A whole story, as the conversation actor will live it
// ---------------------------------------------------------------------------

TEST(support_rules, a_conversation_from_first_message_to_wake_up) {
  support_state s;
  std::vector<std::string> events;
  auto apply = [&](step st, const char* what) {
    ASSERT_TRUE(st.ok()) << "case: " << what << ": " << st.error->message;
    s = st.state;
    if (st.event) events.push_back(std::string(to_string(st.event->what)));
  };
  auto refused = [&](step st, error_code code, const char* what) {
    ASSERT_FALSE(st.ok()) << "case: " << what;
    EXPECT_EQ(st.error->code, code) << "case: " << what;
    EXPECT_TRUE(st.state == s) << "case: " << what << " (nothing changed)";
  };

  apply(contact_message(s, "carl", false, now), "the contact writes first");
  EXPECT_TRUE(s.unreplied);
  apply(assign(s, ann, org, "robo", &robo, "billing", &billing), "routed to the AI");
  apply(ai_reply(s, "robo"), "the AI answers");
  EXPECT_FALSE(s.unreplied);
  apply(contact_message(s, "carl", false, now + 1000), "the contact is not happy");
  apply(takeover(s, bob), "bob takes over");
  refused(ai_reply(s, "robo"), error_code::conflict, "the AI's pending reply");
  refused(handoff(s, "robo"), error_code::conflict, "the AI's pending handoff");
  EXPECT_TRUE(s.unreplied) << "case: the refused AI reply answered nobody";
  EXPECT_FALSE(check_window(24, s.last_contact_ts, now, now + 2000, false, false))
      << "case: bob is inside the window";
  apply(internal_comment(s), "bob asks a colleague");
  EXPECT_TRUE(s.unreplied);
  apply(agent_reply(s), "bob answers");
  refused(close(s, bob, closing_notes::required, "  "), error_code::bad_request,
          "closing without a note");
  apply(close(s, bob, closing_notes::required, "refunded"), "bob closes");
  EXPECT_EQ(s.state, status::closed);
  EXPECT_TRUE(check_window(24, s.last_contact_ts, now, now + 2 * 24 * hour, false, false))
      << "case: two days later the window is closed for bob";
  apply(contact_message(s, "carl", false, now + 2 * 24 * hour), "carl writes again");
  EXPECT_EQ(s.state, status::open);
  EXPECT_EQ(s.assignee, std::optional<std::string>("bob")) << "case: still bob's";
  apply(snooze(s, bob, false, now + 3 * 24 * hour, now + 2 * 24 * hour),
        "bob snoozes it");
  apply(wake(s, now + 2 * 24 * hour + 1), "a stale timer fires early");
  EXPECT_EQ(s.state, status::snoozed);
  apply(wake(s, now + 3 * 24 * hour), "the snooze ends");
  EXPECT_EQ(s.state, status::open);
  apply(wake(s, now + 3 * 24 * hour), "the wake-up is delivered twice");

  EXPECT_EQ(events, (std::vector<std::string>{"assigned", "takeover", "closed",
                                              "reopened", "snoozed", "unsnoozed"}));
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

TEST(support_rules, names_round_trip) {
  for (auto s : {status::open, status::closed, status::snoozed})
    EXPECT_EQ(parse_status(to_string(s)), s);
  EXPECT_EQ(parse_status("Open"), std::nullopt);
  EXPECT_EQ(parse_status("all"), std::nullopt);
  EXPECT_EQ(parse_closing_notes("off"), closing_notes::off);
  EXPECT_EQ(parse_closing_notes("optional"), closing_notes::optional);
  EXPECT_EQ(parse_closing_notes("required"), closing_notes::required);
  EXPECT_EQ(parse_closing_notes("on"), std::nullopt);
  EXPECT_EQ(to_string(K::assigned), "assigned");
  EXPECT_EQ(to_string(K::takeover), "takeover");
  EXPECT_EQ(to_string(K::closed), "closed");
  EXPECT_EQ(to_string(K::snoozed), "snoozed");
  EXPECT_EQ(to_string(K::unsnoozed), "unsnoozed");
  EXPECT_EQ(to_string(K::reopened), "reopened");
}

TEST(support_rules, who_works_the_inbox) {
  EXPECT_TRUE(works_the_inbox(ann));
  EXPECT_TRUE(works_the_inbox(bob)) << "case: staff without a role is a member";
  EXPECT_TRUE(works_the_inbox(boss));
  for (const auto* u : {&guest, &robo, &carl, &cleo, &alias})
    EXPECT_FALSE(works_the_inbox(*u)) << "case: " << u->id;
}

} // namespace
} // namespace parley::support_rules

#pragma once

#include "protocol/types.hpp"
#include "storage/db_result.hpp"
#include "storage/pg.hpp"

// Row readers and result helpers shared by the query files.
namespace parley::storage {

/// A failed statement as a db_result (keeps libpq's message and the SQLSTATE).
template <class T>
db_result<T> failed(const pg::result& r) {
  return db_result<T>::failure(r.error(), r.sqlstate());
}

/// Reads the conversation columns `id, kind, org, company, subject, created_by,
/// created_at, last_seq, last_ts, peer_org, ended_at, ended_by` and the support
/// columns `contact, status, assignee, team, snoozed_until, last_contact_ts,
/// unreplied` (migration 008) of row `i` (participants are read separately).
protocol::conversation read_conversation(const pg::result& r, int i);

/// The column list read_conversation expects, for `c` joined with
/// PARLEY_CONVERSATION_ACTIVITY.
#define PARLEY_CONVERSATION_COLUMNS                                                      \
  "c.id, c.kind, c.org, c.company, c.subject, c.created_by, "                            \
  "c.created_at, " PARLEY_EXACT_LAST_SEQ ", " PARLEY_EXACT_LAST_TS                       \
  ", c.peer_org, c.ended_at, c.ended_by,"                                                \
  " c.contact, c.status, c.assignee, c.team, c.snoozed_until, c.last_contact_ts,"        \
  " c.unreplied"

/// A conversation's newest seq and time (migration 015): conversation_activity
/// holds them for a conversation written to since it was created, except where
/// conversations.last_seq/last_ts are kept exact (support and company-tied
/// conversations, whose activity an index walks); the greater of the two is exact
/// either way. For `c` joined with PARLEY_CONVERSATION_ACTIVITY (alias `ca`).
#define PARLEY_CONVERSATION_ACTIVITY " LEFT JOIN conversation_activity ca ON ca.id = c.id"
#define PARLEY_EXACT_LAST_SEQ "greatest(c.last_seq, ca.last_seq)"
#define PARLEY_EXACT_LAST_TS "greatest(c.last_ts, ca.last_ts)"

/// How many columns PARLEY_CONVERSATION_COLUMNS reads.
inline constexpr int conversation_column_count = 19;

/// How far participants.last_ts may lag behind conversations.last_ts (migration
/// 003), as SQL text: the group commit raises it only beyond this, and conv.list
/// reads this much below its walk.
#define PARLEY_PARTICIPANT_ACTIVITY_SLACK_MS "10000"

/// The unread count of `user` after `marker` in conversation `conv`, counting
/// messages up to seq `upto`, at most 1000 rows read: messages by others, internal
/// ones only when `staff` (read markers, docs/protocol.md §7). Each argument is
/// SQL text. The ORDER BY changes no count: it makes the primary key (conv, seq),
/// which bounds the walk to the unread range, the only index that needs no sort.
/// Without it a plan made while the table was small took the (conv, author, cid)
/// index as an equal, and walked all of the conversation's messages.
#define PARLEY_UNREAD(conv, user, marker, upto, staff)                                   \
  "(SELECT count(*) FROM (SELECT 1 FROM messages m WHERE m.conv = " conv                 \
  " AND m.seq > " marker " AND m.seq <= " upto " AND m.author <> " user                  \
  " AND (NOT m.internal OR " staff ") ORDER BY m.seq LIMIT 1000) z)"

} // namespace parley::storage

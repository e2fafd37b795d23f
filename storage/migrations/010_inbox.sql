-- 010: the indexes inbox.list walks (docs/protocol.md §9; storage/inbox_queries.cpp).
--
-- Every page is one index walk in the page's order that stops after limit + 1
-- matching rows, never a sort of the org's support conversations. Ties of a sort key
-- are ordered by id with an Incremental Sort over the walk (only the rows sharing
-- the last key are sorted), so one index per key serves both directions:
--
--   newest/oldest, views all/unassigned: the org's activity indexes of migrations
--     001/002 (conversations_org_activity, conversations_kind_activity).
--   newest/oldest, view mine:      inbox_activity_assignee below.
--   newest/oldest, view team:<id>: inbox_activity_team below.
--   longest/shortest: the waiting conversations (unreplied with a contact's message)
--     first, by last_contact_ts: inbox_waiting*; then the others by id:
--     inbox_idle*. Each has an assignee and a team variant like the above.
--   view blocked: no walk; the org's blocked contacts, each looked up through
--     conversations_support_contact (migration 008), then sorted.
--
-- The status and unreplied filters and the blocked-contact check are filters on the
-- walk (status: three values, mostly one; blocked contacts: few), so a page reads
-- about limit / (share of matching rows) index entries.
--
-- Cost: a support conversation's activity update is not HOT (last_ts is indexed
-- already), so each of these partial indexes that holds the row gets an entry per
-- update; ordinary conversations are in none of them.
CREATE INDEX inbox_activity_assignee
  ON conversations (org, assignee, last_ts, id) WHERE kind = 'support';
CREATE INDEX inbox_activity_team
  ON conversations (org, team, last_ts, id) WHERE kind = 'support';

CREATE INDEX inbox_waiting
  ON conversations (org, last_contact_ts, id)
  WHERE kind = 'support' AND unreplied AND last_contact_ts IS NOT NULL;
CREATE INDEX inbox_waiting_assignee
  ON conversations (org, assignee, last_contact_ts, id)
  WHERE kind = 'support' AND unreplied AND last_contact_ts IS NOT NULL;
CREATE INDEX inbox_waiting_team
  ON conversations (org, team, last_contact_ts, id)
  WHERE kind = 'support' AND unreplied AND last_contact_ts IS NOT NULL;

CREATE INDEX inbox_idle
  ON conversations (org, id)
  WHERE kind = 'support' AND (NOT unreplied OR last_contact_ts IS NULL);
CREATE INDEX inbox_idle_assignee
  ON conversations (org, assignee, id)
  WHERE kind = 'support' AND (NOT unreplied OR last_contact_ts IS NULL);
CREATE INDEX inbox_idle_team
  ON conversations (org, team, id)
  WHERE kind = 'support' AND (NOT unreplied OR last_contact_ts IS NULL);
-- The idle part of `unreplied: true` (unreplied without a contact's message: not a
-- state the server makes, so this stays about empty).
CREATE INDEX inbox_idle_unreplied
  ON conversations (org, id)
  WHERE kind = 'support' AND unreplied AND last_contact_ts IS NULL;

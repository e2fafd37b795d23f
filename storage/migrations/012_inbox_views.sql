-- 012: custom inboxes and inbox.counts (docs/protocol.md §9, "Custom inboxes").
--
-- A saved view is its owner's filter template: the same base, status, unreplied and
-- sort an inbox.list takes, resolved into that query when it is listed or counted.
-- `base` holds the wire value ("all" | "mine" | "unassigned" | "team:<id>"); `team`
-- is the team it is shared with (read-only for the members), not a filter.
CREATE TABLE inbox_views (
  id         text COLLATE "C" PRIMARY KEY, -- 'v' + 26 random characters
  org        text NOT NULL REFERENCES orgs (id),
  owner      text COLLATE "C" NOT NULL REFERENCES users (id),
  name       text NOT NULL,
  base       text NOT NULL,
  status     text NOT NULL,  -- all | open | closed | snoozed
  unreplied  boolean,        -- NULL: no filter
  sort       text NOT NULL,  -- newest | oldest | longest | shortest
  team       text COLLATE "C", -- shared with this team's members; NULL: private
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
-- An owner's views (inbox.views.list, the per-owner limit) and a team's shared ones.
CREATE INDEX inbox_views_owner ON inbox_views (owner, created_at, id);
CREATE INDEX inbox_views_team ON inbox_views (team) WHERE team IS NOT NULL;

-- The teams a user belongs to (the counts' team:<id> rows, shared views); the
-- primary key starts with the team.
CREATE INDEX team_members_user ON team_members (user_id, team);

-- inbox.counts reads one user's read markers against every open support
-- conversation of the org: a hash of that user's markers, read from here instead of
-- probing the (conv, user_id) primary key once per conversation.
CREATE INDEX read_markers_user ON read_markers (user_id, conv) INCLUDE (seq);

-- inbox.counts: the org's open support conversations with every column the count
-- reads, so the count is an index-only scan of the open ones (not of the org's
-- closed history). Cost: an open support conversation's activity update (not HOT:
-- last_ts was indexed already) adds one more index entry; closed and snoozed ones
-- and ordinary conversations are not in it. bench/RESULTS.md, "Custom inbox counts
-- at 100k".
CREATE INDEX inbox_open_counts
  ON conversations (org)
  INCLUDE (id, assignee, team, unreplied, contact, last_seq, last_contact_ts)
  WHERE kind = 'support' AND status = 'open';

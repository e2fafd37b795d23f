-- 008: the support inbox (docs/protocol.md §9).
--
-- A support conversation's state lives on its conversations row, written by its
-- conversation actor in the group commit that stores the system message recording
-- the change (so the state and its event are durable together). Ordinary
-- conversations leave these columns NULL (unreplied false).
ALTER TABLE conversations
  ADD COLUMN contact         text COLLATE "C", -- the contact who writes to the org
  ADD COLUMN status          text,             -- open | closed | snoozed
  ADD COLUMN assignee        text COLLATE "C", -- a staff or ai user, or NULL
  ADD COLUMN team            text COLLATE "C",
  ADD COLUMN snoozed_until   bigint,           -- only while snoozed
  ADD COLUMN last_contact_ts bigint,           -- the contact's newest message
  ADD COLUMN unreplied       boolean NOT NULL DEFAULT false;

-- At most one support conversation per contact per org: conv.create and a send
-- racing on two nodes still make one.
CREATE UNIQUE INDEX conversations_support_contact
  ON conversations (org, contact) WHERE kind = 'support';

-- The snooze scheduler's walk: the next conversations to wake, across restarts.
CREATE INDEX conversations_snoozed
  ON conversations (snoozed_until) WHERE status = 'snoozed';

-- Blocked contacts (contact.block). A contact belongs to one org, so the contact id
-- is the key; the org is kept for the inbox's `blocked` view.
CREATE TABLE contact_blocks (
  contact    text COLLATE "C" PRIMARY KEY,
  org        text NOT NULL,
  blocked_by text NOT NULL,
  blocked_at bigint NOT NULL
);
CREATE INDEX contact_blocks_org ON contact_blocks (org);

-- What a support system message records beyond `{event, by}` (assigned, takeover,
-- closed, snoozed, unsnoozed, reopened). One row per such message, written in the
-- transaction of the message; history reads it with the message.
CREATE TABLE support_events (
  conv      text COLLATE "C" NOT NULL,
  seq       bigint NOT NULL,
  assignee  text,
  team      text,
  from_user text, -- takeover: the ai user; reopened: the former status
  note      text,
  until     bigint,
  handoff   boolean NOT NULL DEFAULT false,
  PRIMARY KEY (conv, seq)
);

-- The built-in responder of an `ai` user (admin.ai.put). Rules keep their order.
CREATE TABLE ai_agents (
  user_id    text COLLATE "C" PRIMARY KEY REFERENCES users (id),
  fallback   text NOT NULL,  -- "handoff" or a reply text
  delay_ms   integer NOT NULL,
  updated_at bigint NOT NULL
);
CREATE TABLE ai_rules (
  user_id text COLLATE "C" NOT NULL REFERENCES ai_agents (user_id) ON DELETE CASCADE,
  pos     integer NOT NULL,
  match   text[] NOT NULL,
  reply   text NOT NULL,
  PRIMARY KEY (user_id, pos)
);

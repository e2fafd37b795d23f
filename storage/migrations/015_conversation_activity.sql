-- 015: a conversation's newest seq and time in a narrow table of their own
-- (issue 16, the group commit's cost).
--
-- Every group commit raised conversations.last_seq and last_ts for each
-- conversation of its batch. Both are indexed (last_ts in the activity indexes,
-- last_seq in inbox_open_counts), so that update could never be HOT: each wrote a
-- new version of a wide row and an entry in every one of its indexes, about half
-- of the statement's executor time and 5 of its 9 WAL records for a lone message
-- (bench/RESULTS.md, "Hot path, round 8" and "round 10").
--
-- The exact values now live here, where nothing but the key is indexed, so raising
-- them is a HOT update of a small row. conversations.last_seq and last_ts stay
-- exact only for the conversations whose activity an index walks: support
-- conversations (the inbox) and company-tied ones (conv.list's favourites), and
-- the group commit keeps raising them for those. For the others they keep what
-- they had when the conversation was created or last ended, and conv.list reads
-- those through participants.last_ts (migration 003), never through an index of
-- conversations. Every reader takes greatest(c.last_seq, a.last_seq) and
-- greatest(c.last_ts, a.last_ts) with a LEFT JOIN here: a conversation without a
-- row here (created, never written to since) has its exact values in conversations.
--
-- No foreign key: its check would lock the conversation's row on every commit,
-- which is the write this table exists to avoid. Conversations are never deleted.
CREATE TABLE conversation_activity (
  id       text COLLATE "C" PRIMARY KEY,
  last_seq bigint NOT NULL,
  last_ts  bigint NOT NULL
) WITH (fillfactor = 50);

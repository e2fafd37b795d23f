-- 003: a coarse activity time per participation, so conv.list can walk a user's
-- conversations newest first from the user's side. It is raised only when the
-- conversation's activity has moved on by more than 10 s (see the group commit), so
-- a busy room rewrites its participant rows at most once per 10 s; conv.list orders
-- by the exact conversations.last_ts and uses this only to bound what it reads
-- (coarse <= exact < coarse + 10 s).
ALTER TABLE participants ADD COLUMN last_ts bigint;
UPDATE participants p SET last_ts = c.last_ts FROM conversations c WHERE c.id = p.conv;
ALTER TABLE participants ALTER COLUMN last_ts SET NOT NULL;
CREATE INDEX participants_user_activity ON participants (user_id, last_ts);
DROP INDEX participants_user;

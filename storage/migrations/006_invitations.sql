-- 006: cross-organisation direct messages (PROTOCOL.md section 8): invitations,
-- the invitees' block lists, and conversations that end.
--
-- An invitation is stored whatever its fate, so the inviter's view never tells an
-- undeliverable one (unknown email, same org, blocked) from a delivered one:
-- `to_user` is the invitee it was addressed to (NULL: nobody), `delivered` whether
-- that invitee ever sees it. `status`: pending | accepted | ignored | revoked.
CREATE TABLE invitations (
  id         text PRIMARY KEY,
  from_user  text NOT NULL REFERENCES users (id),
  from_org   text NOT NULL,
  from_email text NOT NULL CHECK (from_email = lower(from_email)),
  to_email   text NOT NULL CHECK (to_email = lower(to_email)),
  to_user    text REFERENCES users (id),
  note       text,
  delivered  boolean NOT NULL,
  status     text NOT NULL DEFAULT 'pending',
  conv       text REFERENCES conversations (id),
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL
);
-- invite.list {direction: sent | received}, newest first.
CREATE INDEX invitations_sent ON invitations (from_user, created_at DESC, id DESC);
CREATE INDEX invitations_received ON invitations (to_user, created_at DESC, id DESC)
  WHERE delivered;

-- Emails an invitee silenced, lower-cased: invitations from them are never delivered.
CREATE TABLE blocks (
  user_id    text NOT NULL REFERENCES users (id),
  email      text NOT NULL CHECK (email = lower(email)),
  created_at bigint NOT NULL,
  PRIMARY KEY (user_id, email)
);

-- The invitee is found by email (stored lower-case by admin.user.put).
CREATE INDEX users_email ON users (lower(email)) WHERE email IS NOT NULL;

-- A cross-org direct conversation belongs to two orgs: `org` is the inviter's,
-- `peer_org` the invitee's. conv.end records who ended it and when.
ALTER TABLE conversations ADD COLUMN peer_org text;
ALTER TABLE conversations ADD COLUMN ended_at bigint;
ALTER TABLE conversations ADD COLUMN ended_by text;

-- Server-written messages (PROTOCOL.md section 6 `system: {event, by}`).
ALTER TABLE messages ADD COLUMN system_event text;
ALTER TABLE messages ADD COLUMN system_by text;

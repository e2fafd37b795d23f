-- 006: cross-organisation direct messages (docs/protocol.md §8): invitations,
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
  from_email text NOT NULL,
  to_email   text NOT NULL,
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

-- Emails an invitee silenced: invitations from them are never delivered. Every
-- email here, in invitations and in users is in the server's one normal form
-- (invite_rules::normalize_email: ASCII letters lower-cased) and is compared byte
-- for byte; no locale-dependent lower() takes part.
CREATE TABLE blocks (
  user_id    text NOT NULL REFERENCES users (id),
  email      text NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (user_id, email)
);

-- The invitee is found by email (stored normalised by admin.user.put).
CREATE INDEX users_email ON users (email) WHERE email IS NOT NULL;

-- A cross-org direct conversation belongs to two orgs: `org` is the inviter's,
-- `peer_org` the invitee's. conv.end records who ended it and when.
ALTER TABLE conversations ADD COLUMN peer_org text;
ALTER TABLE conversations ADD COLUMN ended_at bigint;
ALTER TABLE conversations ADD COLUMN ended_by text;

-- Server-written messages (docs/protocol.md §6 `system: {event, by}`).
ALTER TABLE messages ADD COLUMN system_event text;
ALTER TABLE messages ADD COLUMN system_by text;

-- 001: the core path: directory, conversations, participants, messages.
CREATE TABLE orgs (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  -- settings (docs/protocol.md §4); defaults are the protocol's defaults
  connect_policy       text NOT NULL DEFAULT 'all',
  closing_notes        text NOT NULL DEFAULT 'optional',
  window_hours         integer NOT NULL DEFAULT 0,
  alias                text,
  max_attachment_bytes bigint NOT NULL DEFAULT 20971520,
  attachment_types     text[] NOT NULL DEFAULT '{pdf,png,jpeg,jpg,gif,txt}',
  display_as_alias     boolean NOT NULL DEFAULT false,
  updated_at bigint NOT NULL
);

CREATE TABLE users (
  id         text PRIMARY KEY,
  org        text NOT NULL REFERENCES orgs (id),
  kind       text NOT NULL,
  role       text,
  name       text NOT NULL,
  email      text,
  company    text,
  updated_at bigint NOT NULL
);
CREATE INDEX users_org ON users (org);

CREATE TABLE conversations (
  id         text PRIMARY KEY,
  kind       text NOT NULL,
  org        text NOT NULL REFERENCES orgs (id),
  company    text,
  subject    text,
  created_by text NOT NULL,
  created_at bigint NOT NULL,
  last_seq   bigint NOT NULL DEFAULT 0,
  last_ts    bigint NOT NULL,
  -- the creator's cid of conv.create: a retried create finds its conversation
  create_cid text,
  UNIQUE (created_by, create_cid)
);
CREATE INDEX conversations_org_activity ON conversations (org, last_ts DESC, id DESC);

CREATE TABLE participants (
  conv     text NOT NULL REFERENCES conversations (id),
  user_id  text NOT NULL,
  added_at bigint NOT NULL,
  PRIMARY KEY (conv, user_id)
);
CREATE INDEX participants_user ON participants (user_id, conv);

-- One row per committed message. (conv, seq) orders a conversation without gaps;
-- (conv, author, cid) makes a client's retry idempotent.
CREATE TABLE messages (
  conv     text NOT NULL REFERENCES conversations (id),
  seq      bigint NOT NULL,
  ts       bigint NOT NULL,
  author   text NOT NULL,
  cid      text NOT NULL,
  body     text NOT NULL,
  format   text NOT NULL DEFAULT 'text',
  reply_to bigint,
  mentions text[],
  internal boolean NOT NULL DEFAULT false,
  PRIMARY KEY (conv, seq),
  UNIQUE (conv, author, cid)
);

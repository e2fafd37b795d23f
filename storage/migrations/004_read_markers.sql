-- 004: read markers (docs/protocol.md §7): how far each user has read each
-- conversation. Forward only; unread counts are derived from them.
CREATE TABLE read_markers (
  conv       text NOT NULL REFERENCES conversations (id),
  user_id    text NOT NULL,
  seq        bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (conv, user_id)
);

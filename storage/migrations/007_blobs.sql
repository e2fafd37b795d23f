-- 007: attachments (docs/protocol.md §6). Bytes live in PostgreSQL in chunks, so
-- every node can serve every blob. An upload inserts its row (complete = false),
-- then its chunks one by one, then marks it complete: an interrupted upload is
-- never served and is collected like any unreferenced blob.
CREATE TABLE blobs (
  id         text PRIMARY KEY,
  uploader   text NOT NULL,
  name       text NOT NULL,
  type       text NOT NULL DEFAULT '',
  size       bigint NOT NULL DEFAULT 0,
  complete   boolean NOT NULL DEFAULT false,
  created_at bigint NOT NULL,
  -- raised when a msg.send claims the blob, so collection never races a send
  touched_at bigint NOT NULL
);
CREATE INDEX blobs_touched ON blobs (touched_at);

CREATE TABLE blob_chunks (
  blob  text NOT NULL REFERENCES blobs (id) ON DELETE CASCADE,
  idx   integer NOT NULL,
  data  bytea NOT NULL,
  PRIMARY KEY (blob, idx)
);

-- The attachments of committed messages, in order. size and type are copied from
-- the blob (immutable once complete) so pages read them without a join.
CREATE TABLE message_attachments (
  conv  text NOT NULL,
  seq   bigint NOT NULL,
  pos   integer NOT NULL,
  blob  text NOT NULL,
  name  text NOT NULL,
  size  bigint NOT NULL,
  type  text NOT NULL,
  PRIMARY KEY (conv, seq, pos)
);
CREATE INDEX message_attachments_blob ON message_attachments (blob);

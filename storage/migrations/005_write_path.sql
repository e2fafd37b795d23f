-- 005: a cheaper group commit (issue 3's durability bench), with no change to what
-- is stored or to what any query returns.
--
-- 1. Ids compare as bytes. Every id (conversation, user, client cid) is an opaque
--    string; ordering it by the database's linguistic collation buys nothing and
--    costs a strcoll() per comparison in every unique index the group commit
--    maintains (on a C.UTF-8 cluster; en_US.UTF-8 is slower still). With
--    COLLATE "C" they are memcmp. Equality, and so every lookup, is unchanged; only
--    the order of ids among themselves changes, which clients see only as the
--    tie-break of conv.list's cursor, compared under the same collation.
--    Measured (bench/run-insert-cost, C.UTF-8 cluster): 2-6% less backend CPU
--    per inserted message row.
ALTER TABLE messages
  ALTER COLUMN conv TYPE text COLLATE "C",
  ALTER COLUMN author TYPE text COLLATE "C",
  ALTER COLUMN cid TYPE text COLLATE "C";
ALTER TABLE participants
  ALTER COLUMN conv TYPE text COLLATE "C",
  ALTER COLUMN user_id TYPE text COLLATE "C";
ALTER TABLE read_markers
  ALTER COLUMN conv TYPE text COLLATE "C",
  ALTER COLUMN user_id TYPE text COLLATE "C";
ALTER TABLE conversations
  ALTER COLUMN id TYPE text COLLATE "C",
  ALTER COLUMN created_by TYPE text COLLATE "C",
  ALTER COLUMN create_cid TYPE text COLLATE "C";

-- 2. No foreign key from messages to conversations. The check is a query per
--    inserted row (measured with bench/run-insert-cost: 19% of the backend CPU per
--    inserted message row). The invariant it guarded holds by construction: a
--    message row is written only by its conversation's actor, which exists only
--    for a conversation whose row is already committed or is inserted by the same
--    statement, and no path deletes conversations. participants and read_markers keep theirs (they
--    are written rarely).
ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_conv_fkey;

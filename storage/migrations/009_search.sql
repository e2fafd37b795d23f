-- 009: full-text search (docs/protocol.md §10).
--
-- One text-search configuration for everyone: 'simple' (lower-cases words, no
-- stemming, no stop words). Chat text mixes languages within one org and often
-- within one message; a language configuration would stem and drop words of every
-- other language. There is deliberately no org setting for it: an index is built
-- for one configuration, so a per-org one would need the configuration stored on
-- every message row (more to write in the group commit) and every stored message
-- re-indexed when an org changed it. The expressions below are the ones
-- storage/search_queries.cpp writes; they must stay identical for the planner to
-- use these indexes.
--
-- Messages: an expression GIN index rather than a STORED generated tsvector
-- column. Both compute to_tsvector once per inserted row; the stored column also
-- writes the tsvector into the heap row (and the WAL) a second time and widens
-- every row the history pages read. Measured on this schema (an ad-hoc variant of
-- bench/run-insert-cost: 100k rows of 12-word bodies, backend CPU including making
-- the rows, median of 3 interleaved rounds): no search index 1.64 s, expression
-- index 3.20 s (x1.95), stored column + index 3.46 s (x2.11), i.e. about 16 and
-- 18 us more per row; table plus indexes 54, 62 and 83 MB. Indexing every word is the price of search either way; the
-- expression index is the cheaper of the two. GIN's default fastupdate keeps most
-- inserts to an append to its pending list (merged by vacuum, or by the insert
-- that finds it over gin_pending_list_limit: that merge is in the numbers above).
-- Partial: system messages (assignment, closed, ...) and empty bodies (a message
-- that only carries attachments) are never hits, so they are not indexed.
CREATE INDEX messages_search ON messages
  USING gin (to_tsvector('simple'::regconfig, body))
  WHERE system_event IS NULL AND body <> '';

-- Contacts of an org by name or email: the words of the name, the whole email,
-- and its local part and domain as words of their own ('simple' keeps an email
-- as one token), so "bob", "bob@example.com" and "example.com" all find
-- bob@example.com.
CREATE INDEX users_contact_search ON users
  USING gin (to_tsvector('simple'::regconfig,
    name || ' ' || coalesce(email, '') || ' ' || replace(coalesce(email, ''), '@', ' ')))
  WHERE kind = 'contact';

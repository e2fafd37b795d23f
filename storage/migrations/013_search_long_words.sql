-- 013: message search without PostgreSQL's "word is too long to be indexed" NOTICE
-- (issue 18).
--
-- to_tsvector ignores every token of 2047 bytes or more (MAXSTRLEN), and says so
-- with a NOTICE each time: every message holding such a word (a pasted base64 blob,
-- a long URL, 2 KiB of dashes: runs of punctuation and spaces are one token too)
-- sent that NOTICE to the writer's connection, which libpq printed on parleyd's
-- stderr, once at the insert and again at each search that rechecked or
-- highlighted the row. The index now covers parley_search_text(body): the body
-- without its tokens of 2047 bytes or more, which to_tsvector ignored anyway, so
-- what is searchable is unchanged and no NOTICE is raised.
--
-- A body shorter than 2047 bytes cannot hold such a token: it is indexed as it
-- is, and the check costs one length comparison (octet_length does not even
-- detoast). Only longer bodies go through parley_drop_long_tokens, which asks the
-- text-search parser itself (ts_parse raises no NOTICE) for the tokens that are
-- too long and cuts each out (a space in its place), the shortest first: a long URL's
-- path goes and its host stays, as to_tsvector keeps it. Cutting one may join the
-- runs of punctuation on either side into a new long token, so it asks again until
-- none is left; every round removes at least 2046 bytes of a body of at most
-- 64 KiB.
--
-- parley_search_text is one SQL expression that the planner inlines, in the index
-- definition as in the queries (storage/search_queries.cpp writes the same
-- to_tsvector('simple', parley_search_text(m.body))), so the two still match and
-- search stays an index lookup (checked with EXPLAIN in tests/storage). Its body is
-- bound at creation (BEGIN ATOMIC) and the helper runs with a fixed search_path, so
-- neither depends on the search_path of whoever inserts, searches or reindexes.
CREATE FUNCTION parley_drop_long_tokens(body text) RETURNS text
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog AS $$
DECLARE
  long_token text;
BEGIN
  LOOP
    SELECT p.token INTO long_token
      FROM ts_parse('default', body) AS p
     WHERE octet_length(p.token) >= 2047
     ORDER BY octet_length(p.token)
     LIMIT 1;
    EXIT WHEN NOT FOUND;
    body := replace(body, long_token, ' ');
  END LOOP;
  RETURN body;
END
$$;

CREATE FUNCTION parley_search_text(body text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
  SELECT CASE WHEN octet_length(body) < 2047 THEN body
              ELSE parley_drop_long_tokens(body) END;
END;

DROP INDEX messages_search;
CREATE INDEX messages_search ON messages
  USING gin (to_tsvector('simple'::regconfig, parley_search_text(body)))
  WHERE system_event IS NULL AND body <> '';

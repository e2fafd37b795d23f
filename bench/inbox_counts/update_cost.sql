-- bench/RESULTS.md, "Custom inbox counts at 100k": what migration 012's
-- inbox_open_counts costs an open support conversation's activity update (not HOT),
-- on the org parley-inbox-counts seeded. Three rounds, alternated; each prints
-- microseconds per update of 10,000 distinct open conversations in one
-- transaction, rolled back.
--   psql -q -At -d icbench -f bench/inbox_counts/update_cost.sql
CREATE TEMP TABLE ids AS
  SELECT row_number() OVER () AS n, id
  FROM (SELECT id FROM conversations WHERE org = 'icbench' AND kind = 'support'
        AND status = 'open' ORDER BY md5(id) LIMIT 10000) s;
CREATE FUNCTION pg_temp.bump(k int) RETURNS double precision LANGUAGE plpgsql AS $$
DECLARE
  t0 timestamptz := clock_timestamp();
  r record;
BEGIN
  FOR r IN SELECT id FROM ids WHERE n <= k LOOP
    UPDATE conversations SET last_ts = last_ts + 1000, last_seq = last_seq + 1
     WHERE id = r.id;
  END LOOP;
  RETURN extract(epoch FROM clock_timestamp() - t0) * 1e6 / k;
END $$;
\set drop 'DROP INDEX inbox_open_counts'
BEGIN; SELECT 'with inbox_open_counts, us/update: ' || round(pg_temp.bump(10000)::numeric, 1); ROLLBACK;
BEGIN; :drop; SELECT 'without, us/update: ' || round(pg_temp.bump(10000)::numeric, 1); ROLLBACK;
BEGIN; SELECT 'with inbox_open_counts, us/update: ' || round(pg_temp.bump(10000)::numeric, 1); ROLLBACK;
BEGIN; :drop; SELECT 'without, us/update: ' || round(pg_temp.bump(10000)::numeric, 1); ROLLBACK;
BEGIN; SELECT 'with inbox_open_counts, us/update: ' || round(pg_temp.bump(10000)::numeric, 1); ROLLBACK;
BEGIN; :drop; SELECT 'without, us/update: ' || round(pg_temp.bump(10000)::numeric, 1); ROLLBACK;

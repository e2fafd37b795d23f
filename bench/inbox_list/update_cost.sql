-- bench/RESULTS.md, "inbox.list at 100k": the cost of one support conversation's
-- activity update (not HOT) with and without migration 010's indexes, on the org
-- parley-inbox-list seeded. Three rounds, alternated; each prints microseconds per
-- update of 20,000 distinct conversations in one transaction, rolled back.
--   psql -q -At -d inboxbench -f bench/inbox_list/update_cost.sql
CREATE TEMP TABLE ids AS
  SELECT row_number() OVER () AS n, id
  FROM (SELECT id FROM conversations WHERE org = 'ibench' AND kind = 'support'
        ORDER BY md5(id) LIMIT 20000) s;
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
\set drop 'DROP INDEX inbox_activity_assignee, inbox_activity_team, inbox_waiting, inbox_waiting_assignee, inbox_waiting_team, inbox_idle, inbox_idle_assignee, inbox_idle_team, inbox_idle_unreplied'
BEGIN; SELECT 'with 010 indexes, us/update: ' || round(pg_temp.bump(20000)::numeric, 1); ROLLBACK;
BEGIN; :drop; SELECT 'without, us/update: ' || round(pg_temp.bump(20000)::numeric, 1); ROLLBACK;
BEGIN; SELECT 'with 010 indexes, us/update: ' || round(pg_temp.bump(20000)::numeric, 1); ROLLBACK;
BEGIN; :drop; SELECT 'without, us/update: ' || round(pg_temp.bump(20000)::numeric, 1); ROLLBACK;
BEGIN; SELECT 'with 010 indexes, us/update: ' || round(pg_temp.bump(20000)::numeric, 1); ROLLBACK;
BEGIN; :drop; SELECT 'without, us/update: ' || round(pg_temp.bump(20000)::numeric, 1); ROLLBACK;

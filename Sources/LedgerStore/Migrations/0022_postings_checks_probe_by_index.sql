-- The two statement-level checks on postings (0003: every entry balances; 0004: every entry and account
-- exists) look up each id the statement touched. PL/pgSQL plans their queries once per session and keeps the
-- plan until the next ANALYZE of a table they read. A worker connection that first ran them after autovacuum
-- had analyzed the small tables of a new database kept sequential-scan plans as the tables grew: in one grab
-- run the checks read accounts 14,792 times (139 million rows), journal_entries 14,150 times and postings
-- 9,511 times, the batches held their account locks meanwhile, and at 2,500 grabs/s grabs took 4 to 12 s
-- (p50) to commit instead of 0.1 s. Every lookup here is by an indexed column, so an index probe is the right
-- plan at any size: the checks now never plan a sequential scan.
ALTER FUNCTION postings_balance_check() SET enable_seqscan = off;
ALTER FUNCTION postings_references_check() SET enable_seqscan = off;

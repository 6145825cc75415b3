-- The balance trigger of 0002 checks the same rule, but its query joined the statement's entry ids with
-- postings as a whole: the planner chose a merge join over a full scan of the postings_entry index, so every
-- batch read every posting ever written (about 40 ms per batch at 200,000 postings, growing without bound).
-- The rule is unchanged: after every INSERT statement into postings, each entry it touches must sum to zero
-- over ALL its postings (not only the inserted ones) and have at least two. Only the access path changes:
-- a LATERAL lookup per distinct inserted entry id through postings_entry, so the cost follows the size of
-- the statement, not of the table.
CREATE OR REPLACE FUNCTION postings_balance_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT i.entry_id, s.total, s.n INTO bad
    FROM (SELECT DISTINCT entry_id FROM inserted) i
    CROSS JOIN LATERAL (
        SELECT sum(p.amount_fen) AS total, count(*) AS n FROM postings p WHERE p.entry_id = i.entry_id
    ) s
    WHERE s.total <> 0 OR s.n < 2
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance (sum %, % postings)', bad.entry_id, bad.total, bad.n
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

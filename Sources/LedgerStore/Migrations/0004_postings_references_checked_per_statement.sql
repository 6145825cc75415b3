-- The two foreign keys of postings (entry_id -> journal_entries, account_id -> accounts) were checked row by
-- row: for every posting, PostgreSQL ran one lookup per key and locked the parent row FOR KEY SHARE (for
-- journal_entries, whose rows this transaction had just inserted, the lock is one more WAL record per entry).
-- Measured with EXPLAIN ANALYZE on a batch of 2,000 transfers (4,000 postings): 17 ms + 18-21 ms of a 65 ms
-- INSERT, the largest single cost of a ledger batch.
--
-- The same rule is now checked once per INSERT statement, set-based, by a statement trigger over the rows
-- the statement inserted (like the balance trigger of 0003, and in a trigger of its own so that tests which
-- switch the balance check off still get this one): every inserted posting names an existing journal entry
-- and an existing account, or the statement fails with foreign_key_violation (23503), as the constraint did.
--
-- What the constraints also did is keep a referenced row from being deleted, or its key changed, while
-- postings name it. journal_entries already refuses UPDATE, DELETE and TRUNCATE (0002). Accounts are never
-- deleted (money.md rule 7) and their ids never change; the triggers below make that a rule of the database:
-- DELETE and TRUNCATE of accounts, and any UPDATE of account_id, are refused. (Balances are still updated.)
-- With deletion impossible, a referenced row cannot vanish between the check and the commit, which is what
-- the FOR KEY SHARE lock of a foreign key guarded against.

ALTER TABLE postings DROP CONSTRAINT postings_entry_id_fkey;
ALTER TABLE postings DROP CONSTRAINT postings_account_id_fkey;

CREATE FUNCTION postings_references_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    missing_entry bigint;
    missing_account text;
BEGIN
    -- LATERAL count(*) rather than NOT EXISTS: an anti join may be planned as a hash join over a sequential
    -- scan of the whole parent table (it was, for accounts), a cost that grows with the table. Here every
    -- distinct id is one primary-key probe, so the cost follows the size of the statement.
    SELECT i.entry_id INTO missing_entry
    FROM (SELECT DISTINCT entry_id FROM inserted) i
    CROSS JOIN LATERAL (SELECT count(*) AS n FROM journal_entries j WHERE j.entry_id = i.entry_id) c
    WHERE c.n = 0
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting names journal entry %, which does not exist', missing_entry
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT i.account_id INTO missing_account
    FROM (SELECT DISTINCT account_id FROM inserted) i
    CROSS JOIN LATERAL (SELECT count(*) AS n FROM accounts a WHERE a.account_id = i.account_id) c
    WHERE c.n = 0
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'posting names account %, which does not exist', missing_account
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER postings_references AFTER INSERT ON postings
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION postings_references_check();

-- Accounts are never deleted and never renamed.
CREATE FUNCTION refuse_account_removal() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'accounts are never deleted: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION refuse_account_removal();
CREATE TRIGGER accounts_no_truncate BEFORE TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_account_removal();
CREATE FUNCTION refuse_account_id_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'accounts.account_id never changes (% -> %)', OLD.account_id, NEW.account_id
        USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER accounts_id_fixed BEFORE UPDATE OF account_id ON accounts
    FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id) EXECUTE FUNCTION refuse_account_id_change();

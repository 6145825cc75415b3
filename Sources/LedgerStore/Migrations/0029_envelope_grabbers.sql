-- One credit per grabber per envelope, kept by the ledger itself.
--
-- The Redis grab script refuses a second grab by the same user, but Redis can lose what it recorded (a restart
-- inside its fsync window, a failover, a restored snapshot) and then grant the same user another share under
-- another grab id. The worker reads this table for the grabs of a batch and refuses such a grab
-- (`envelope.already_grabbed`, dead-lettered) instead of paying the user twice; the primary key is the last
-- guard. Rows are written with the grab's journal entry and, like the journal, never changed or removed.
CREATE TABLE envelope_grabbers (
    envelope_order_id text NOT NULL,
    grabber           text NOT NULL,
    grab_order_id     text NOT NULL UNIQUE,
    PRIMARY KEY (envelope_order_id, grabber)
);
CREATE TRIGGER envelope_grabbers_append_only BEFORE UPDATE OR DELETE ON envelope_grabbers
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER envelope_grabbers_no_truncate BEFORE TRUNCATE ON envelope_grabbers
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- The grabs committed before this table existed. A grabber credited twice already keeps the first grab here;
-- `paystream ledger verify` names the envelope (envelope.grabbed_twice).
INSERT INTO envelope_grabbers (envelope_order_id, grabber, grab_order_id)
SELECT g.parent_order_id, g.owner_account, g.order_id
FROM orders g JOIN orders e ON e.order_id = g.parent_order_id AND e.kind = 'envelope'
WHERE g.kind = 'transferIn'
ORDER BY g.created_at, g.order_id
ON CONFLICT DO NOTHING;

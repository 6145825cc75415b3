-- Exactly-once effects (money.md rule 4): every command and event carries an idempotency key naming its
-- business step; its effect is applied in the same transaction that inserts the key here, so a key is
-- applied at most once, and redelivery until that transaction commits makes it at least once.
CREATE TABLE processed_keys (
    idempotency_key  text        PRIMARY KEY,
    first_seen_at    timestamptz NOT NULL DEFAULT now(),
    -- Where the key was first seen (a Kafka record, or an HTTP request), for tracing a duplicate back.
    source           text        NOT NULL,
    -- 'applied', or 'rejected:<reason code>' for a message that was validly refused (never re-applied).
    result           text        NOT NULL,
    CONSTRAINT processed_keys_key_not_blank CHECK (length(btrim(idempotency_key)) > 0)
);

COMMENT ON TABLE processed_keys IS 'Idempotency keys of applied effects; rows are never updated or deleted by the application.';

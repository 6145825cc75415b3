-- The ledger (money.md): accounts with two buckets, an append-only double-entry journal, orders with their
-- per-step flows (流水), and the outbox of follow-up events. Amounts are bigint fen.

-- Accounts. A clearing account mirrors a channel (WeChat Pay, Alipay, Bill99): a recharge debits it, so
-- its balance is the negative of what the channel holds for us; every other bucket never goes below zero.
CREATE TABLE accounts (
    account_id     text        PRIMARY KEY,
    kind           text        NOT NULL CHECK (kind IN ('user', 'merchant', 'platform', 'clearing')),
    available_fen  bigint      NOT NULL DEFAULT 0,
    frozen_fen     bigint      NOT NULL DEFAULT 0,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT accounts_kind_matches_id CHECK (split_part(account_id, ':', 1) = kind),
    CONSTRAINT accounts_available_non_negative CHECK (kind = 'clearing' OR available_fen >= 0),
    CONSTRAINT accounts_frozen_non_negative CHECK (kind = 'clearing' OR frozen_fen >= 0)
);

-- One journal entry per idempotency key: the unique constraint is the "at most once" of money.md rule 4.
CREATE TABLE journal_entries (
    entry_id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key text        NOT NULL UNIQUE,
    kind            text        NOT NULL,
    order_id        text        NOT NULL,
    correlation_id  text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX journal_entries_order ON journal_entries (order_id);

CREATE TABLE postings (
    posting_id  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id    bigint NOT NULL REFERENCES journal_entries (entry_id),
    account_id  text   NOT NULL REFERENCES accounts (account_id),
    bucket      text   NOT NULL CHECK (bucket IN ('available', 'frozen')),
    amount_fen  bigint NOT NULL CHECK (amount_fen <> 0)
);
CREATE INDEX postings_entry ON postings (entry_id);
CREATE INDEX postings_account ON postings (account_id);

-- Entries balance: every INSERT statement into postings must leave each entry it touches summing to zero
-- with at least two postings. The ledger store writes all postings of a batch in one statement.
CREATE FUNCTION postings_balance_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT p.entry_id, sum(p.amount_fen) AS total, count(*) AS n INTO bad
    FROM postings p
    WHERE p.entry_id IN (SELECT DISTINCT entry_id FROM inserted)
    GROUP BY p.entry_id
    HAVING sum(p.amount_fen) <> 0 OR count(*) < 2
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance (sum %, % postings)', bad.entry_id, bad.total, bad.n
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER postings_balance AFTER INSERT ON postings
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION postings_balance_check();

-- Nothing is deleted or rewritten (money.md rule 7): corrections are new entries.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER postings_append_only BEFORE UPDATE OR DELETE ON postings
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER postings_no_truncate BEFORE TRUNCATE ON postings
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- Orders, hash-partitioned by order id (the seed shards orders by order id).
CREATE TABLE orders (
    order_id             text        NOT NULL,
    kind                 text        NOT NULL CHECK (kind IN ('recharge', 'envelope', 'withdraw', 'transfer', 'transferIn', 'refund', 'collection')),
    status               text        NOT NULL,
    owner_account        text        NOT NULL,
    counterparty_account text,
    amount_fen           bigint      NOT NULL CHECK (amount_fen > 0),
    -- envelope: sum of grabs; recharge, collection, transfer: sum refunded.
    settled_fen          bigint      NOT NULL DEFAULT 0,
    channel              text,
    parent_order_id      text,
    status_reason        text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id),
    CONSTRAINT orders_settled_within_amount CHECK (settled_fen >= 0 AND settled_fen <= amount_fen)
) PARTITION BY HASH (order_id);
CREATE INDEX orders_owner ON orders (owner_account, created_at);

-- Flows (流水): one row per step of an order's money movement.
CREATE TABLE order_flows (
    flow_id          bigint      GENERATED ALWAYS AS IDENTITY,
    order_id         text        NOT NULL,
    step             text        NOT NULL,
    from_status      text,
    to_status        text        NOT NULL,
    amount_fen       bigint      NOT NULL,
    idempotency_key  text        NOT NULL,
    reason           text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, flow_id)
) PARTITION BY HASH (order_id);

DO $$
BEGIN
    FOR i IN 0..7 LOOP
        EXECUTE format('CREATE TABLE orders_p%s PARTITION OF orders FOR VALUES WITH (MODULUS 8, REMAINDER %s)', i, i);
        EXECUTE format('CREATE TABLE order_flows_p%s PARTITION OF order_flows FOR VALUES WITH (MODULUS 8, REMAINDER %s)', i, i);
    END LOOP;
END $$;

-- Follow-up events written in the same transaction as the effect that caused them; the relay publishes
-- them in order and marks them sent (consumers deduplicate a resend after a crash).
CREATE TABLE outbox (
    outbox_id    bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic        text        NOT NULL,
    message_key  text        NOT NULL,
    payload      bytea       NOT NULL,
    headers      jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    sent_at      timestamptz
);
CREATE INDEX outbox_unsent ON outbox (outbox_id) WHERE sent_at IS NULL;

-- What operators did with dead letters (paystream-dlq drop/replay), never deleted.
CREATE TABLE dead_letter_actions (
    action_id        bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dlq_topic        text        NOT NULL,
    dlq_partition    integer     NOT NULL,
    dlq_offset       bigint      NOT NULL,
    action           text        NOT NULL CHECK (action IN ('replayed', 'dropped')),
    reason           text        NOT NULL,
    actor            text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dead_letter_actions_message ON dead_letter_actions (dlq_topic, dlq_partition, dlq_offset);

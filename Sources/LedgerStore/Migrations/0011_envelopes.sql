-- Red envelopes beside the ledger: how each was split and who may grab it (the money is in journal entries,
-- the envelope's order and its grabbers' transferIn orders). Grabs in flight live in Redis until their
-- transfer is committed; compensation runs are recorded here.

CREATE TABLE envelopes (
    envelope_order_id   text        PRIMARY KEY,
    sender              text        NOT NULL,
    total_fen           bigint      NOT NULL CHECK (total_fen > 0),
    shares              integer     NOT NULL CHECK (shares BETWEEN 1 AND 1000),
    split_mode          text        NOT NULL CHECK (split_mode IN ('random', 'equal')),
    -- the split, decided once when the envelope is sent; its shares go to Redis when it is funded
    share_fen           bigint[]    NOT NULL,
    greeting            text        NOT NULL,
    group_id            text,
    receiver            text,
    pay_with            text        NOT NULL CHECK (pay_with IN ('wechat', 'alipay', 'wallet')),
    expires_at          timestamptz NOT NULL,
    activated_at        timestamptz,
    finished_announced_at timestamptz,
    expiry_requested_at timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (cardinality(share_fen) = shares)
);
CREATE INDEX envelopes_due ON envelopes (expires_at) WHERE expiry_requested_at IS NULL;
CREATE INDEX envelopes_created ON envelopes (created_at);

-- A refund the dispatcher sends to a channel for a ledger order other than a refund order (the rest of an
-- expired envelope): the ledger order whose status says the money left the wallet.
ALTER TABLE refund_requests ADD COLUMN ledger_order_id text;

-- What each compensation run found and did.
CREATE TABLE compensation_runs (
    run_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job          text        NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz NOT NULL DEFAULT now(),
    found        integer     NOT NULL,
    acted        integer     NOT NULL,
    notes        text
);

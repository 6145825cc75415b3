-- Reconciliation (external: the channels' daily bills against the platform's bookings; internal: the ledger's
-- invariants). Runs and their items are append-only: running a day again records a new run, with what changed
-- since the previous run of that day and channel, and never rewrites an old one (money.md rule 7).

-- The platform's side of a day: the entries that book a channel payment or payout, by time. Partial, so the
-- ledger's hot path (grabs, transfers) pays nothing for it.
CREATE INDEX journal_entries_channel_bookings ON journal_entries (created_at)
    WHERE kind IN ('rechargePaid', 'envelopeFunded', 'collectionPaid', 'withdrawPaidOut');

CREATE TABLE recon_runs (
    run_id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bill_day        date        NOT NULL,
    channel         text        NOT NULL CHECK (channel IN ('wechat', 'alipay', 'bill99')),
    -- schedule: paystream-scheduler's daily job (one per day and channel); manual: `paystream recon run`
    trigger         text        NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL DEFAULT now(),
    bill_rows       integer     NOT NULL,
    -- whether the next day's bill was available to tell a cross-day booking from a missing one
    next_day_bill   boolean     NOT NULL,
    matched         integer     NOT NULL,
    held            integer     NOT NULL,
    differences     integer     NOT NULL,
    previous_run_id bigint      REFERENCES recon_runs (run_id),
    -- per key whose classification or amounts changed since previous_run_id: [{key, before, after, ...}]
    changes         jsonb       NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX recon_runs_day ON recon_runs (bill_day, channel, run_id);
-- The daily job runs a day once per channel, however many schedulers are up.
CREATE UNIQUE INDEX recon_runs_scheduled_once ON recon_runs (bill_day, channel) WHERE trigger = 'schedule';

CREATE TABLE recon_items (
    item_id             bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id              bigint      NOT NULL REFERENCES recon_runs (run_id),
    classification      text        NOT NULL
        CHECK (classification IN ('matched', 'platformOnly', 'channelOnly', 'amountDiffers', 'statusDiffers', 'held')),
    item_key            text        NOT NULL,
    kind                text        NOT NULL CHECK (kind IN ('payment', 'refund', 'payout')),
    out_trade_no        text        NOT NULL,
    out_refund_no       text,
    channel_transaction_id text,
    platform_amount_fen bigint,
    channel_amount_fen  bigint,
    platform_status     text,
    channel_status      text,
    platform_booked_at  text,
    channel_billed_at   text,
    -- the platform and bill records exactly as matched (what a held item carries to the next day's run)
    platform_record     jsonb,
    bill_record         jsonb,
    note                text,
    UNIQUE (run_id, item_key)
);
CREATE INDEX recon_items_open ON recon_items (run_id) WHERE classification NOT IN ('matched', 'held');

-- An operator's decision on a reported difference: who, when, why, and the correcting journal entry it posted
-- (a new, balanced entry through the ledger's normal path; old entries are never edited), if any.
CREATE TABLE recon_resolutions (
    resolution_id   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id         bigint      NOT NULL UNIQUE REFERENCES recon_items (item_id),
    resolved_by     text        NOT NULL CHECK (resolved_by <> ''),
    reason          text        NOT NULL CHECK (reason <> ''),
    action          text        NOT NULL CHECK (action IN ('acknowledged', 'ledgerCorrection')),
    entry_idempotency_key text  REFERENCES journal_entries (idempotency_key),
    resolved_at     timestamptz NOT NULL DEFAULT now(),
    CHECK ((action = 'ledgerCorrection') = (entry_idempotency_key IS NOT NULL))
);

-- Each internal reconciliation (the ledger's invariants, per account, per merchant and global), with every
-- violation it named.
CREATE TABLE recon_internal_runs (
    run_id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trigger         text        NOT NULL CHECK (trigger IN ('schedule', 'manual')),
    started_at      timestamptz NOT NULL,
    finished_at     timestamptz NOT NULL DEFAULT now(),
    accounts        integer     NOT NULL,
    entries         integer     NOT NULL,
    violations      integer     NOT NULL,
    report          jsonb       NOT NULL
);

CREATE TRIGGER recon_runs_append_only BEFORE UPDATE OR DELETE ON recon_runs
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER recon_items_append_only BEFORE UPDATE OR DELETE ON recon_items
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER recon_resolutions_append_only BEFORE UPDATE OR DELETE ON recon_resolutions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER recon_internal_runs_append_only BEFORE UPDATE OR DELETE ON recon_internal_runs
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

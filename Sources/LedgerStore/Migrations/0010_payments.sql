-- What the API and the channel dispatchers keep beside the ledger: the channel side of payment orders,
-- merchants' collection codes, withdrawal destinations and payout progress, channel refunds, notifies held
-- for review and risk decisions. None of these tables holds a balance: money moves only in journal entries.

-- The channel side of a recharge, collection or envelope payment order (the order row itself is in `orders`,
-- created by the API in status `created`).
CREATE TABLE channel_payments (
    order_id       text        PRIMARY KEY,
    channel        text        NOT NULL CHECK (channel IN ('wechat', 'alipay')),
    purpose        text        NOT NULL CHECK (purpose IN ('recharge', 'envelope', 'collection')),
    -- the account the payment credits: the recharging user, the envelope's sender, the collecting merchant
    account_id     text        NOT NULL,
    amount_fen     bigint      NOT NULL CHECK (amount_fen > 0),
    -- what the payer scans (WeChat code_url, Alipay qr_code), or the Alipay cashier URL to redirect to
    code_url       text,
    pay_url        text,
    collect_code_id text,
    correlation_id text,
    -- the payment poller's progress for an order whose notify has not come (dropped, or the channel is late)
    query_attempts integer     NOT NULL DEFAULT 0,
    next_query_at  timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (code_url IS NOT NULL OR pay_url IS NOT NULL)
);

-- A merchant's scan-to-collect code: static (the payer types the amount) or dynamic (a fixed amount).
CREATE TABLE collect_codes (
    code_id        text        PRIMARY KEY,
    merchant       text        NOT NULL,
    amount_fen     bigint      CHECK (amount_fen IS NULL OR amount_fen > 0),
    description    text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX collect_codes_merchant ON collect_codes (merchant, created_at);

-- Where an approved withdrawal is paid and how far the payout got. `payout_state` follows the channel:
-- NULL (not sent yet), processing, awaitingUserConfirmation, succeeded, failed, cancelled.
CREATE TABLE withdrawal_requests (
    order_id           text        PRIMARY KEY,
    account_id         text        NOT NULL,
    channel            text        NOT NULL CHECK (channel IN ('bill99', 'wechat')),
    amount_fen         bigint      NOT NULL CHECK (amount_fen > 0),
    destination        jsonb       NOT NULL,
    risk_request_id    text        NOT NULL,
    reviewed_by        text,
    review_reason      text,
    payout_state       text,
    channel_payout_id  text,
    failure_reason     text,
    payout_attempts    integer     NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX withdrawal_requests_account ON withdrawal_requests (account_id, created_at);

-- A refund's way back through the channel. The wallet side is the ledger's refund entry; this row follows
-- the channel's refund (state NULL until sent, then processing, succeeded, closed, abnormal).
CREATE TABLE refund_requests (
    refund_order_id    text        PRIMARY KEY,
    original_order_id  text        NOT NULL,
    account_id         text        NOT NULL,
    channel            text        NOT NULL CHECK (channel IN ('wechat', 'alipay')),
    amount_fen         bigint      NOT NULL CHECK (amount_fen > 0),
    total_fen          bigint      NOT NULL CHECK (total_fen > 0),
    reason             text,
    channel_state      text,
    channel_refund_id  text,
    attempts           integer     NOT NULL DEFAULT 0,
    next_attempt_at    timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refund_requests_original ON refund_requests (original_order_id);

-- Authentic notifies that could not be credited as they are (amount or payer differs from the order):
-- nothing is credited; an operator decides.
CREATE TABLE payment_reviews (
    review_id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel                text        NOT NULL,
    order_id               text        NOT NULL,
    channel_transaction_id text        NOT NULL,
    expected_fen           bigint,
    paid_fen               bigint,
    reason                 text        NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel, channel_transaction_id)
);

-- Every risk decision taken for a request, with the rule that decided it (also in Redis' decision stream).
CREATE TABLE risk_decisions (
    request_id   text        PRIMARY KEY,
    action       text        NOT NULL,
    subject      text        NOT NULL,
    amount_fen   bigint      NOT NULL,
    outcome      text        NOT NULL,
    rule_id      text,
    message      text,
    decided_at   timestamptz NOT NULL
);

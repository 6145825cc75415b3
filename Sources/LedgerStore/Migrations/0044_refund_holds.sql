-- A refund the dispatcher cannot settle on the channel's word waits on an operator: the channel accepted it and now
-- knows none under its number, reported another amount than the refund's, or left it ABNORMAL (the merchant finishes
-- it in the channel's platform). Before, such a refund was asked about for ever and only logged. Now the dispatcher
-- records why it waits (`held_reason`, from `held_since`); the channel settling it later clears the hold. An operator
-- who has checked with the channel resolves a held refund once: `succeeded` (the payer has the money) or `returned`
-- (the channel holds none and will pay none: the money goes back to the payer's wallet), with their name and reason.
ALTER TABLE refund_requests
    ADD COLUMN held_reason       text,
    -- Since when the channel, asked about a refund it accepted, answers that it knows none (cleared when it knows it
    -- again): such a refund is held only once this is a settle period old.
    ADD COLUMN unknown_since     timestamptz,
    ADD COLUMN held_since        timestamptz,
    ADD COLUMN resolved_by       text,
    ADD COLUMN resolution        text CHECK (resolution IN ('succeeded', 'returned')),
    ADD COLUMN resolution_reason text,
    ADD COLUMN resolved_at       timestamptz,
    ADD CONSTRAINT refund_hold_whole CHECK ((held_reason IS NULL) = (held_since IS NULL)),
    ADD CONSTRAINT refund_resolution_whole CHECK (
        (resolved_by IS NULL) = (resolved_at IS NULL) AND (resolved_by IS NULL) = (resolution IS NULL)
        AND (resolved_by IS NULL) = (resolution_reason IS NULL));

-- Abnormal refunds the channel accepted, from before: held now, from their last update (the dispatcher holds a refund
-- only when it turns abnormal, which these did already).
UPDATE refund_requests SET held_reason = 'abnormal at the channel: the merchant finishes it in the channel''s platform',
       held_since = updated_at
WHERE channel_state = 'abnormal' AND given_up_at IS NULL;

-- The operators' queue: refunds held and not resolved, oldest first.
CREATE INDEX refund_requests_held ON refund_requests (held_since) WHERE held_since IS NOT NULL AND resolved_at IS NULL;

-- The API's background loops poll for envelopes to activate and for expired envelopes whose rest must be
-- refunded through the channel. Without these they scanned every envelope (the rest refund: every expired
-- envelope order with its journal entries) several times a second, a cost growing with history. Each loop
-- now reads only the rows still waiting, through a partial index, and marks the ones it has dealt with.
ALTER TABLE envelopes ADD COLUMN rest_refund_checked_at timestamptz;
CREATE INDEX envelopes_awaiting_activation ON envelopes (created_at) WHERE activated_at IS NULL;
CREATE INDEX envelopes_awaiting_rest_check ON envelopes (expires_at) WHERE rest_refund_checked_at IS NULL;

-- The payment poller reads only payment orders of the last day (an unpaid order is closed after 2 h 15 min);
-- the payout dispatcher only withdrawals whose payout is not final.
CREATE INDEX channel_payments_created ON channel_payments (created_at);
CREATE INDEX withdrawal_requests_payout_open ON withdrawal_requests (updated_at)
    WHERE payout_state IS NULL OR payout_state IN ('processing', 'awaitingUserConfirmation');

-- When the channel first answered for a withdrawal's payout with a verified report (an answer, a query or a
-- notify): from then on the channel holds it, and an unsigned "no such payout" (Bill99's 0004, which a query side
-- behind Bill99's own records can give) must neither send it again, which a refusal of the duplicate could then
-- unfreeze, nor fail it. Such a contradiction holds the money frozen for an operator. Backfilled for the rows whose
-- state says a report came: a channel payout id, a final or waiting state, or processing without a refusal (a
-- refusal alone sets processing with refused_at).
ALTER TABLE withdrawal_requests ADD COLUMN acknowledged_at timestamptz;
UPDATE withdrawal_requests SET acknowledged_at = updated_at
WHERE channel_payout_id IS NOT NULL
   OR payout_state IN ('succeeded', 'failed', 'cancelled', 'awaitingUserConfirmation')
   OR (payout_state = 'processing' AND refused_at IS NULL);

-- When the channel first answered for a withdrawal's payout with a verified report (an answer, a query or a
-- notify): from then on the channel holds it, and an unsigned "no such payout" (Bill99's 0004, which a query side
-- behind Bill99's own records can give) must neither send it again, which a refusal of the duplicate could then
-- unfreeze, nor fail it. Such a contradiction holds the money frozen for an operator.
-- Backfilled for every row that was sent (a payout state, a channel payout id, or an attempt made), a noted refusal
-- or a reset state included: such a row may be one the old code already reset after the channel accepted it, and
-- nothing in it tells the two apart. Held, an operator resolves it (POST /v1/admin/withdrawals/{id}/resolve)
-- instead of its money being unfrozen on unsigned answers. Deploy with the old API processes' dispatchers stopped
-- (`paystream-api --no-dispatch`) before migrating: an old dispatcher neither sets acknowledged_at nor avoids the
-- reset.
ALTER TABLE withdrawal_requests ADD COLUMN acknowledged_at timestamptz;
UPDATE withdrawal_requests SET acknowledged_at = updated_at
WHERE payout_state IS NOT NULL OR channel_payout_id IS NOT NULL OR payout_attempts > 0;

-- An operator's resolution of a withdrawal the payout dispatcher holds frozen (a report that contradicts an earlier
-- one, another amount than the withdrawal's, a refusal the channel cannot confirm): after checking with the
-- channel, they settle it as paid out or fail it (unfreezing the money), once, with their name and reason kept.
ALTER TABLE withdrawal_requests
    ADD COLUMN resolved_by       text,
    ADD COLUMN resolution_reason text,
    ADD COLUMN resolved_at       timestamptz,
    ADD CONSTRAINT withdrawal_resolution_whole CHECK (
        (resolved_by IS NULL) = (resolved_at IS NULL) AND (resolved_by IS NULL) = (resolution_reason IS NULL));

-- An envelope whose payment failed or was closed (its order `failed` or `closed`, both final) is never
-- activated. It stayed in the partial index `envelopes_awaiting_activation` for the 8 days the activator looks
-- back, and every activation pass (every 200 ms in each API process) probed its order again. The activator now
-- marks such an envelope `abandoned_at` when it first sees the order's end, which takes it out of the index.
ALTER TABLE envelopes ADD COLUMN abandoned_at timestamptz;
DROP INDEX envelopes_awaiting_activation;
CREATE INDEX envelopes_awaiting_activation ON envelopes (created_at) WHERE activated_at IS NULL AND abandoned_at IS NULL;

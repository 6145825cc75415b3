-- A WeChat refund that ends ABNORMAL (the payer's card no longer takes money) is not final: the merchant finishes it
-- in its platform, and it ends SUCCESS. The refund dispatcher treated ABNORMAL as final, so that SUCCESS was only
-- logged and the refund stayed `abnormal`. It now keeps asking about an abnormal refund, and must tell it apart
-- from one whose money already went back to the payer's wallet: one the channel refused as it does not know the
-- paid order (also recorded `abnormal`), or one it closed. `given_up_at` is when Paystream gave a refund up at the
-- channel (its money returned through the ledger, or, for an expired envelope's rest, left to an operator).
ALTER TABLE refund_requests ADD COLUMN given_up_at timestamptz;

-- Until now those were the closed refunds and the abnormal ones refused at once, which never got a channel refund id
-- (every refund the channel accepted is reported with its id).
UPDATE refund_requests SET given_up_at = updated_at
WHERE channel_state = 'closed' OR (channel_state = 'abnormal' AND channel_refund_id IS NULL);

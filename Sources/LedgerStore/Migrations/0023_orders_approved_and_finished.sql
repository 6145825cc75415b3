-- Two of the API's background loops asked orders by status and PostgreSQL answered by scanning every partition
-- of orders, a cost growing with history (after a one-minute mixed benchmark at 750 requests/s, 37,000 orders:
-- 3.4 ms and 5.4 ms a poll, about 10 polls a second between them; a five-minute run leaves five times as many):
-- - the payout dispatcher: "which withdrawals are approved and not paid out yet?";
-- - the envelope activator: "which envelopes were grabbed to the last share and not announced yet?".
-- 'approved' is a withdrawal's state between review and payout, so that index stays as small as the queue of
-- payouts. 'finished' is final; its index is keyed by the time the envelope finished, so that the activator
-- reads only the envelopes that finished in its window.
CREATE INDEX orders_approved ON orders (order_id) WHERE status = 'approved';
CREATE INDEX orders_finished ON orders (updated_at) WHERE status = 'finished';

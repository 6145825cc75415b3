-- W3C trace context of the request that created a payment order, so the channel's notify (which arrives
-- without it) continues the same trace onto the payment-callbacks topic. NULL when the request brought none.
ALTER TABLE channel_payments ADD COLUMN traceparent text;

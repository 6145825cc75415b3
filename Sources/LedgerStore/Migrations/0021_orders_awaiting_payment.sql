-- The orders still waiting for their payment, for the payment poller's question "which payments should I ask
-- the channel about?". Without it PostgreSQL answered by scanning every partition of orders (the poller runs
-- every second): 110 ms with two parallel workers on 700,000 orders, and longer as the table grows. This index
-- holds only the orders in status 'created', so it stays as small as the set of unpaid orders.
CREATE INDEX orders_awaiting_payment ON orders (created_at) WHERE status = 'created';

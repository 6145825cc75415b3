-- The operators' withdrawal queues (`GET /v1/admin/withdrawals?status=…`, the console's tabs) joined every
-- withdrawal to its order and filtered on the order's status: a scan of every partition of orders on each call, a
-- cost growing with history (67–76 ms a call with 188,000 orders, twice a second from a back office that watches
-- the queue). Each queue now reads an index that grows with the queue, not with the history
-- (PaymentStore.queueConditions):
-- - waiting for review (`requested`) and rejected or failed (`invalid`): the withdrawals' orders in that state;
-- - approved: `orders_approved` (migration 0023);
-- - not applied yet (`pending`): `withdrawal_requests_payout_open` (migration 0013), the withdrawals not sent;
-- - paid out: the history, walked in the queue's order (oldest first) until a page is full.
CREATE INDEX orders_withdraw_requested ON orders (order_id) WHERE kind = 'withdraw' AND status = 'requested';
CREATE INDEX orders_withdraw_invalid ON orders (order_id) WHERE kind = 'withdraw' AND status = 'invalid';
CREATE INDEX withdrawal_requests_created ON withdrawal_requests (created_at, order_id);

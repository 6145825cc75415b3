-- Two details of a payout the dispatcher keeps (nullable columns without defaults: only the catalog changes).
--
-- package_info: WeChat's transfer to a balance (商家转账) waits for the user to confirm it in WeChat
-- (WAIT_USER_CONFIRM), which the app opens with the transfer's package_info. It was read from WeChat's answer and
-- dropped, so a real user could never confirm and the transfer ended cancelled (the money unfrozen).
--
-- refused_at: when the channel last refused the payout request. Such refusals are unsigned and may come after the
-- channel accepted an earlier try of the same request, so the withdrawal fails only once the channel has said for
-- a while (PayoutDispatcher.refusalSettlesAfter) that it holds no such payout.
ALTER TABLE withdrawal_requests ADD COLUMN package_info text, ADD COLUMN refused_at timestamptz;

-- WeChat's transfer to a balance (商家转账) waits for the user to confirm it in WeChat (WAIT_USER_CONFIRM): the
-- app opens the confirmation with the transfer's package_info. It was read from WeChat's answer and dropped, so a
-- real user could never confirm and the transfer ended cancelled (the money unfrozen). It is now kept. Adding a
-- nullable column without a default changes only the catalog.
ALTER TABLE withdrawal_requests ADD COLUMN package_info text;

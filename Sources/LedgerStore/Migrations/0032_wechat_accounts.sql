-- WeChat accounts an account binds for withdrawals to WeChat balance. A WeChat withdrawal paid out to whatever
-- openid the request named, so a stolen session could send the wallet's money to a stranger's WeChat. An openid
-- now comes only from WeChat: the client gets an OAuth code from the user's WeChat (web authorization,
-- snsapi_base), the API exchanges it at WeChat for the openid of the user who authorized, and a withdrawal may
-- name only an openid bound to the account that asks. An openid is pseudonymous and scoped to the official
-- account's AppID: kept plain, as in withdrawal_requests.destination. One WeChat user is bound to one Paystream
-- account at a time; nothing is deleted (a removed binding keeps its row, with removed_at).
CREATE TABLE wechat_accounts (
    binding_id  text PRIMARY KEY CHECK (binding_id ~ '^WX[0-9A-Za-z]{16,40}$'),
    account_id  text NOT NULL CHECK (account_id ~ '^(user|merchant):'),
    app_id      text NOT NULL,
    openid      text NOT NULL CHECK (openid ~ '^[A-Za-z0-9_|*-]{1,128}$'),
    bound_at    timestamptz NOT NULL DEFAULT now(),
    removed_at  timestamptz
);
CREATE UNIQUE INDEX wechat_accounts_bound_once ON wechat_accounts (openid) WHERE removed_at IS NULL;
CREATE INDEX wechat_accounts_account ON wechat_accounts (account_id, bound_at, binding_id);

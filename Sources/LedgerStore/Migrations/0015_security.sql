-- API clients: an app id bound to one user or merchant account; its HMAC secret signs the client's requests
-- and is stored sealed with the field keyring (AES-256-GCM, key version in the text), never in plain.
CREATE TABLE api_clients (
    app_id        text PRIMARY KEY CHECK (app_id ~ '^[A-Za-z0-9_-]{8,64}$'),
    account_id    text NOT NULL CHECK (account_id ~ '^(user|merchant):'),
    secret_sealed text NOT NULL CHECK (secret_sealed ~ '^v[0-9]{1,3}\.'),
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz
);
CREATE INDEX api_clients_account ON api_clients (account_id);

-- Password logins of merchants and operators: a self-describing scrypt/PBKDF2 hash with its salt and
-- parameters, and the lockout state after repeated failures.
CREATE TABLE logins (
    login           text PRIMARY KEY CHECK (login ~ '^[A-Za-z0-9_.@:-]{1,64}$'),
    role            text NOT NULL CHECK (role IN ('merchant', 'admin')),
    account_id      text CHECK (account_id LIKE 'merchant:%'),
    password_hash   text NOT NULL,
    failed_attempts integer NOT NULL DEFAULT 0,
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'merchant') = (account_id IS NOT NULL))
);

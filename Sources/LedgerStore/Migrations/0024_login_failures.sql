-- Failed password logins are counted per login name, whether or not the login exists: a lockout (and its 429)
-- then answers the same for a login that exists and for one that does not, and so tells nothing about which
-- exist. A success, or a new password, deletes the login's row; rows whose last failure is over a day old are
-- pruned as new failures are counted.
CREATE TABLE login_failures (
    login           text PRIMARY KEY,
    failed_attempts integer NOT NULL CHECK (failed_attempts > 0),
    locked_until    timestamptz,
    last_failed_at  timestamptz NOT NULL
);
CREATE INDEX login_failures_last_failed ON login_failures (last_failed_at);

-- The counts kept until now move over. logins.failed_attempts and logins.locked_until are no longer read or
-- written; they stay until no API older than this migration can run against the database.
INSERT INTO login_failures (login, failed_attempts, locked_until, last_failed_at)
SELECT login, failed_attempts, locked_until, now() FROM logins WHERE failed_attempts > 0;

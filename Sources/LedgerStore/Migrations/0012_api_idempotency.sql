-- Client idempotency keys of the HTTP API: the first request's outcome is stored with the key, the caller and a
-- digest of the request, and a retry with the same key gets the same answer without doing anything again.
-- Keys live 24 hours.
CREATE TABLE api_idempotency (
    caller        text        NOT NULL,
    key           text        NOT NULL,
    digest        text        NOT NULL,
    status        integer,
    content_type  text,
    body          text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz,
    PRIMARY KEY (caller, key)
);
CREATE INDEX api_idempotency_created ON api_idempotency (created_at);

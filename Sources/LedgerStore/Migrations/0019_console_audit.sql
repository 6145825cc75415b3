-- The back-office console's audit trail: every sign-in attempt and every action an operator takes in the
-- console (approve or reject a withdrawal, replay or drop a dead letter, resolve a reconciliation difference),
-- with who, what, on which subject, how it came out and when. Rows are only ever inserted.
CREATE TABLE console_audit (
    audit_id       bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    admin_login    text        NOT NULL,
    action         text        NOT NULL,
    subject        text        NOT NULL DEFAULT '',
    outcome        text        NOT NULL CHECK (outcome IN ('done', 'refused', 'failed')),
    detail         text        NOT NULL DEFAULT '',
    correlation_id text
);
CREATE INDEX console_audit_at ON console_audit (at DESC);

CREATE FUNCTION console_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'console_audit rows are never updated or deleted';
END;
$$;
CREATE TRIGGER console_audit_append_only BEFORE UPDATE OR DELETE ON console_audit
    FOR EACH ROW EXECUTE FUNCTION console_audit_append_only();

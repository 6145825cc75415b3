-- console_audit is append-only: its row trigger stops UPDATE and DELETE, and this statement trigger stops
-- TRUNCATE, which row triggers do not see.
CREATE TRIGGER console_audit_no_truncate BEFORE TRUNCATE ON console_audit
    FOR EACH STATEMENT EXECUTE FUNCTION console_audit_append_only();

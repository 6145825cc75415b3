-- The four-eyes rule of migration 0042, on the resolutions too: a new correcting resolution names the proposal it
-- posts, and is recorded by the operator whose approval of that proposal is recorded, in the same transaction.
-- Corrections resolved before 0042 (one operator's) stay as they are: the constraint is NOT VALID for old rows.
ALTER TABLE recon_resolutions ADD CONSTRAINT recon_resolutions_correction_proposed
    CHECK (action <> 'ledgerCorrection' OR proposal_id IS NOT NULL) NOT VALID;

CREATE FUNCTION refuse_unapproved_resolution() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.proposal_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM recon_correction_decisions d
        WHERE d.proposal_id = NEW.proposal_id AND d.decision = 'approved' AND d.decided_by = NEW.resolved_by)
    THEN
        RAISE EXCEPTION 'a correcting resolution is recorded by the operator who approved its proposal' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER recon_resolutions_approved BEFORE INSERT ON recon_resolutions
    FOR EACH ROW EXECUTE FUNCTION refuse_unapproved_resolution();

-- Four eyes on reconciliation corrections. A correcting entry moves money, so one operator proposes it and another
-- approves it; only the approval posts the entry (and the resolution, which names the proposal). Acknowledging a
-- difference, which moves nothing, stays one operator's decision. Proposals and decisions are append-only; each
-- proposal is decided once, and never by the operator who made it.
CREATE TABLE recon_correction_proposals (
    proposal_id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    item_id         bigint      NOT NULL REFERENCES recon_items (item_id),
    proposed_by     text        NOT NULL CHECK (proposed_by <> ''),
    reason          text        NOT NULL CHECK (reason <> ''),
    debit_account   text        NOT NULL,
    debit_bucket    text        NOT NULL CHECK (debit_bucket IN ('available', 'frozen')),
    credit_account  text        NOT NULL,
    credit_bucket   text        NOT NULL CHECK (credit_bucket IN ('available', 'frozen')),
    amount_fen      bigint      NOT NULL CHECK (amount_fen > 0),
    proposed_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX recon_correction_proposals_item ON recon_correction_proposals (item_id);

CREATE TABLE recon_correction_decisions (
    proposal_id     bigint      PRIMARY KEY REFERENCES recon_correction_proposals (proposal_id),
    decided_by      text        NOT NULL CHECK (decided_by <> ''),
    decision        text        NOT NULL CHECK (decision IN ('approved', 'declined')),
    reason          text,
    decided_at      timestamptz NOT NULL DEFAULT now()
);

-- An approval by the proposer is refused here too, whatever the code that writes it.
CREATE FUNCTION refuse_own_approval() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.decision = 'approved' AND EXISTS (
        SELECT 1 FROM recon_correction_proposals p WHERE p.proposal_id = NEW.proposal_id AND p.proposed_by = NEW.decided_by)
    THEN
        RAISE EXCEPTION 'a correction is approved by another operator than the one who proposed it' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER recon_correction_decisions_four_eyes BEFORE INSERT ON recon_correction_decisions
    FOR EACH ROW EXECUTE FUNCTION refuse_own_approval();

CREATE TRIGGER recon_correction_proposals_append_only BEFORE UPDATE OR DELETE ON recon_correction_proposals
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER recon_correction_decisions_append_only BEFORE UPDATE OR DELETE ON recon_correction_decisions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The resolution that an approval made names its proposal (and so who proposed it).
ALTER TABLE recon_resolutions ADD COLUMN proposal_id bigint UNIQUE REFERENCES recon_correction_proposals (proposal_id);

-- A static collection code its merchant disabled (a leaked or tampered print, a till closed): the payer's route
-- refuses it from then on. Codes are never deleted: orders name them.
ALTER TABLE collect_codes ADD COLUMN disabled_at timestamptz;

-- Each login's password generation: `paystream logins create` raises it whenever it sets a login's password (or
-- role), and a session carries the generation it was issued under. A session of an older generation is refused, so a
-- new password ends every session opened with the old one, on every API process, at their next request.
ALTER TABLE logins ADD COLUMN password_generation bigint NOT NULL DEFAULT 0 CHECK (password_generation >= 0);

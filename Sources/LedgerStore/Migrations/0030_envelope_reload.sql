-- An activated envelope Redis no longer holds (a restart that lost its data, a failover to an empty replica) was
-- refused to every grabber (503 envelope.not_ready) until it expired. The API now marks such an envelope when a
-- grab finds it missing, and the activator loads it again from PostgreSQL: the shares of its split that no
-- committed grab took, and its committed grabbers as already grabbed. The partial index keeps the activator's
-- look at the marked ones from reading anything else.
ALTER TABLE envelopes ADD COLUMN reload_requested_at timestamptz;
CREATE INDEX envelopes_reload_requested ON envelopes (reload_requested_at) WHERE reload_requested_at IS NOT NULL;

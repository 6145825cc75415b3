-- Gray (canary) release rules, append-only: each change is a new version with who made it and why; the
-- current rule is the highest version. See GrayRule and TrafficRoute (Sources/EventBus).
CREATE TABLE gray_rules (
    version      bigint PRIMARY KEY CHECK (version > 0),
    users        text[] NOT NULL DEFAULT '{}',
    merchants    text[] NOT NULL DEFAULT '{}',
    basis_points integer NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
    changed_by   text NOT NULL CHECK (length(changed_by) BETWEEN 1 AND 64),
    reason       text NOT NULL DEFAULT '',
    changed_at   timestamptz NOT NULL DEFAULT now()
);

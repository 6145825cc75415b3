-- Bank cards an account binds for withdrawals (Bill99 four-element verification, then an SMS code). The four
-- elements are stored only sealed with the field keyring (AES-256-GCM, key version in the text, the field label
-- as associated data; `paystream keys rotate` re-seals them), with keyed blind indexes (HMAC-SHA256) of the card
-- number, ID number and phone beside them for lookup. Only the last four digits and the length are plain.
-- A row is `pending` from verification until its SMS code is confirmed (`bound`), `removed` when the account
-- deletes it; nothing is deleted.
CREATE TABLE bank_cards (
    card_id          text PRIMARY KEY CHECK (card_id ~ '^BC[0-9A-Za-z]{16,40}$'),
    account_id       text NOT NULL CHECK (account_id ~ '^(user|merchant):'),
    status           text NOT NULL CHECK (status IN ('pending', 'bound', 'removed')),
    number_sealed    text NOT NULL CHECK (number_sealed ~ '^v[0-9]{1,3}\.'),
    name_sealed      text NOT NULL CHECK (name_sealed ~ '^v[0-9]{1,3}\.'),
    id_number_sealed text NOT NULL CHECK (id_number_sealed ~ '^v[0-9]{1,3}\.'),
    phone_sealed     text NOT NULL CHECK (phone_sealed ~ '^v[0-9]{1,3}\.'),
    number_index     text NOT NULL,
    id_number_index  text NOT NULL,
    phone_index      text NOT NULL,
    number_last4     text NOT NULL CHECK (number_last4 ~ '^[0-9]{4}$'),
    number_digits    integer NOT NULL CHECK (number_digits BETWEEN 12 AND 19),
    bank_name        text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    bound_at         timestamptz,
    removed_at       timestamptz,
    CHECK ((status = 'pending') = (bound_at IS NULL AND removed_at IS NULL)),
    CHECK ((status = 'removed') = (removed_at IS NOT NULL))
);
CREATE INDEX bank_cards_account ON bank_cards (account_id, created_at, card_id);
-- One account binds a card once (until it removes it).
CREATE UNIQUE INDEX bank_cards_bound_once ON bank_cards (account_id, number_index) WHERE status = 'bound';
CREATE INDEX bank_cards_number ON bank_cards (number_index);

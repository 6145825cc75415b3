-- An account's holder: the person whose bank card was verified first (Bill99's four elements and the SMS code),
-- known by the blind index of their resident ID number. Any account could bind cards of several people, so a
-- stolen API secret could bind the thief's own card (verified at Bill99 in the thief's name) and withdraw the
-- wallet to it. Now only cards of the account's holder are bound, and a withdrawal goes only to such a card.
-- The holder is never replaced here (removing every card keeps it): changing it is an operator's act.
CREATE TABLE account_holders (
    account_id       text PRIMARY KEY CHECK (account_id ~ '^(user|merchant):'),
    id_number_index  text NOT NULL,
    first_card_id    text NOT NULL REFERENCES bank_cards (card_id),
    established_at   timestamptz NOT NULL DEFAULT now()
);

-- Accounts that bound cards before: the holder of their first card ever confirmed (removed ones included).
-- Their cards of anyone else stay listed but can no longer be withdrawn to.
INSERT INTO account_holders (account_id, id_number_index, first_card_id, established_at)
SELECT DISTINCT ON (account_id) account_id, id_number_index, card_id, bound_at
FROM bank_cards
WHERE bound_at IS NOT NULL
ORDER BY account_id, bound_at, card_id;

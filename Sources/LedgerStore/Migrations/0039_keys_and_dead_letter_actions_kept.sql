-- Two records that are documented as never removed get the journal's guard (refuse_change, 0002):
-- - processed_keys: a key removed would let its message apply a second time (money.md rule 4). Its result is
--   still updated (rejected in the transaction that inserted it; reconsidered by an operator's replay), so only
--   DELETE and TRUNCATE are refused;
-- - dead_letter_actions: what operators did with dead letters (replayed, dropped, with their reasons) is never
--   changed or removed.
CREATE TRIGGER processed_keys_kept BEFORE DELETE ON processed_keys
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER processed_keys_no_truncate BEFORE TRUNCATE ON processed_keys
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER dead_letter_actions_append_only BEFORE UPDATE OR DELETE ON dead_letter_actions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER dead_letter_actions_no_truncate BEFORE TRUNCATE ON dead_letter_actions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

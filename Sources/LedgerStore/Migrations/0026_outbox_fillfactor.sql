-- The outbox relay marks every row sent once (UPDATE ... SET sent_at). With pages filled to the brim by the
-- inserts, each marked version went to a new page at the end of the table: a page added to the file, and the
-- whole row (payload and headers) written to the WAL again. Half of each page is now left free, so the marked
-- version stays on its page and the WAL carries little more than the changed bytes. Existing pages keep their
-- fill; new ones follow the setting.
ALTER TABLE outbox SET (fillfactor = 50);

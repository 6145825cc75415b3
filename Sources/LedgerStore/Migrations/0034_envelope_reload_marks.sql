-- Where the grabs topics stood when the envelope reloader first looked at a lost envelope (topic -> high watermark
-- of the envelope's partition): the reload waits until the worker has committed up to these marks. They were kept
-- in each API process's memory, so a process that saw a loss but not its reload (another replica reloaded it)
-- kept them, and used them again for the envelope's next loss: marks from before the first reload, below the grabs
-- made since, which could let it reload before the worker had committed those. Kept with the loss's mark now, and
-- cleared with it, they are shared by every replica and cannot outlive the loss they belong to.
ALTER TABLE envelopes ADD COLUMN reload_marks jsonb;

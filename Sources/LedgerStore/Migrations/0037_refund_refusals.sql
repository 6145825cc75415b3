-- A refund request the channel refused for good (the payer's account closed, the refund period over, ...), noted
-- instead of acted on at once: the request may have repeated one the channel had already accepted (an answer lost
-- to a timeout), whose refusal says nothing about the refund it holds. The money comes back to the payer only once
-- the channel, asked about the refund itself, still knows none under its number a settle period after the refusal.
ALTER TABLE refund_requests ADD COLUMN refusal text, ADD COLUMN refused_at timestamptz;

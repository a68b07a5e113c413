-- Adjustments per clock (docs/record-level.md). The single adjustment of older files was applied to
-- the FDS and 62-day clocks, which is what a first-seen adjustment does, so it becomes that column;
-- the treatment adjustment (a declined offer of admitted treatment: 31-day and 62-day) is new.
ALTER TABLE pathways RENAME COLUMN adjustment_days TO first_seen_adjustment_days;
ALTER TABLE pathways ADD COLUMN treatment_adjustment_days INTEGER DEFAULT 0;
UPDATE pathways SET treatment_adjustment_days = 0 WHERE treatment_adjustment_days IS NULL;
ALTER TABLE pathways ALTER COLUMN treatment_adjustment_days SET NOT NULL;

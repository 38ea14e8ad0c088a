-- The API and the CLI manage the duty table and maintenance windows (docs/api.md). Nothing is
-- deleted: a shift is ended by its validity period, a window is ended early or cancelled, and each
-- says who did it.

-- Validity of a recurring shift; NULL is unbounded (shifts from before this migration: always).
ALTER TABLE duty_shifts
  ADD COLUMN valid_from timestamptz,
  ADD COLUMN valid_until timestamptz,
  ADD COLUMN ended_by text,
  ADD CONSTRAINT duty_shifts_validity CHECK (valid_from IS NULL OR valid_until IS NULL OR valid_until >= valid_from);

-- Ending early moves ends_at (what rules reads) and keeps the plan in planned_ends_at; a cancelled
-- window (called off before it began) is ignored by rules.
ALTER TABLE maintenance_windows
  ADD COLUMN planned_ends_at timestamptz,
  ADD COLUMN ended_at timestamptz,
  ADD COLUMN ended_by text,
  ADD COLUMN cancelled_at timestamptz;

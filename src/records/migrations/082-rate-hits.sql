-- "At most n in a window" per key (src/console/rate-window.ts: the residents' report form, per
-- client address and per place), in the database so every API process counts the same reports.
CREATE TABLE rate_hits (
  key text NOT NULL,
  at timestamptz NOT NULL
);
CREATE INDEX rate_hits_key_at ON rate_hits (key, at);
CREATE INDEX rate_hits_at ON rate_hits (at);

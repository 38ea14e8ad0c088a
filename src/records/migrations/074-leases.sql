-- Leases (docs/architecture.md, "Leases"): who holds a rules worker's site, the SLA clock or any
-- other job that must run in one process at a time across machines. Expiry is judged by the
-- database's own clock (now()), never a worker's, so machines with skewed clocks agree.
CREATE TABLE leases (
  -- `rules-site:<site>`, `rules-worker:<worker>`, `job:<name>`.
  name text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL,
  -- Raised at every change of holder: a fencing token (a write may require the epoch it was granted).
  epoch bigint NOT NULL DEFAULT 1,
  acquired_at timestamptz NOT NULL DEFAULT now(),
  -- What the holder says of itself to the others (a rules worker: the sites it may hold).
  data jsonb
);
CREATE INDEX leases_holder ON leases (holder);

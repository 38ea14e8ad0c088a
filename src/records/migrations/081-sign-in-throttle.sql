-- Failed console sign-ins per login name and per client address (src/console/throttle.ts), in the
-- database so every API process counts the same failures: kept per process, N replicas behind a
-- load balancer would let N times as many guesses through.
CREATE TABLE console_sign_in_throttle (
  -- 'l:<login>' or 'a:<address>'
  key text PRIMARY KEY,
  failures integer NOT NULL,
  last_at timestamptz NOT NULL
);
CREATE INDEX console_sign_in_throttle_last_at ON console_sign_in_throttle (last_at);

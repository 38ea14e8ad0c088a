-- A second hash of each device's secret, in the form mosquitto's dynamic security plugin stores
-- (PBKDF2-SHA512, `$7$iterations$salt$hash`), so the registry can rebuild mosquitto's client list,
-- passwords included, without ever holding the secret (docs/deploy.md, mosquitto as the broker).
-- NULL for devices issued before it: their next rotation fills it in.
ALTER TABLE devices ADD COLUMN broker_hash text;

-- When a device's secret or revocation last changed, in the database's own clock: broker nodes
-- follow this to end the live sessions of revoked devices and of secrets rotated away.
ALTER TABLE devices ADD COLUMN changed_at timestamptz NOT NULL DEFAULT '-infinity';
CREATE INDEX devices_changed_at ON devices (changed_at);

-- Commands to devices (docs/mqtt-contract.md, "Commands"): written in the transaction that
-- accepts them, published by the command sender, answered by the device on its reply channel.
-- The id is the idempotency key the device echoes. Nothing is deleted: this is the audit trail of
-- who asked which device to do what, when it went out and what the device answered.
CREATE TABLE device_commands (
  id text PRIMARY KEY,
  device_id text NOT NULL REFERENCES devices (id),
  site_id text NOT NULL REFERENCES sites (id),
  kind text NOT NULL,
  command text NOT NULL,
  state text NOT NULL CHECK (state IN ('queued', 'sent', 'answered', 'failed', 'expired')),
  -- The device's answer; also kept when it came after expiry (state stays expired).
  result text CHECK (result IN ('done', 'refused', 'failed')),
  detail text,
  requested_by text NOT NULL,
  requested_role text NOT NULL,
  record_id integer REFERENCES service_records (id),
  note text,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  sent_at timestamptz,
  answered_at timestamptz,
  ended_at timestamptz
);

CREATE INDEX device_commands_device ON device_commands (device_id, created_at DESC);
-- The sender's work: commands not yet ended, by when they expire.
CREATE INDEX device_commands_open ON device_commands (expires_at) WHERE state IN ('queued', 'sent');

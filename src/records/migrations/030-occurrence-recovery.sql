-- A device fault that recovers and comes back is one record with several occurrences
-- (docs/service-records.md). Each occurrence keeps its own recovery, so the record's recovered_at
-- is the latest one (cleared while the fault is back) and each outage counts as downtime, not the
-- healthy time between them.
ALTER TABLE device_fault_occurrences ADD COLUMN recovered_at timestamptz;
CREATE INDEX device_fault_occurrences_record ON device_fault_occurrences (record_id, occurred_at);

-- Occurrences before this migration: the record kept only its first recovery. Occurrences after it
-- stay open until the work is completed or the record closes.
UPDATE device_fault_occurrences o SET recovered_at = r.recovered_at
  FROM service_records r
  WHERE r.id = o.record_id AND r.recovered_at IS NOT NULL AND o.occurred_at <= r.recovered_at;

-- When each device was down, for the equipment intact rate (records/service/stats.ts) and the
-- dashboards: one row per occurrence of a device record, from the fault to the first of its
-- recovery, the work completed (after it) or the close; NULL while it lasts. Cancelled records
-- (mistakes) are not downtime.
CREATE VIEW device_downtime AS
  SELECT r.site_id, r.device_id, o.occurred_at AS down_from,
    LEAST(o.recovered_at, CASE WHEN r.completed_at >= o.occurred_at THEN r.completed_at END, r.closed_at) AS down_until
  FROM device_fault_occurrences o JOIN service_records r ON r.id = o.record_id
  WHERE r.source = 'device' AND r.device_id IS NOT NULL AND r.state <> 'cancelled';

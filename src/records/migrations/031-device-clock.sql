-- A device's fault reaches the desk when the platform is sure of it (a threshold held for its
-- confirmation time, a heartbeat missed three times, a storm ruled out); the procedure's clock
-- starts then, like a call's starts when the phone rings (docs/service-records.md). The fault's own
-- time is kept beside it: service_records.fault_at for records, occurred_at for patrol alerts.
ALTER TABLE patrol_alerts ADD COLUMN occurred_at timestamptz;
UPDATE patrol_alerts SET occurred_at = raised_at;

-- A site incident (many devices down together: a power cut, the network) gives one record naming
-- the devices, not one each (docs/rules.md, "Storms"). Its members are downtime all the same: each
-- from its fault's start until it reports again (docs/service-records.md, "Statistics").
CREATE TABLE site_incident_devices (
  incident_id integer NOT NULL REFERENCES site_incidents (id),
  device_id text NOT NULL REFERENCES devices (id),
  down_at timestamptz NOT NULL,
  -- NULL while it is still down.
  back_at timestamptz,
  PRIMARY KEY (incident_id, device_id, down_at)
);

-- Incidents before this table: every device named, from the opening to the end.
INSERT INTO site_incident_devices (incident_id, device_id, down_at, back_at)
  SELECT i.id, d.id, i.opened_at, i.ended_at
  FROM site_incidents i CROSS JOIN LATERAL jsonb_array_elements_text(i.devices) AS n(device_id)
  JOIN devices d ON d.id = n.device_id
  ON CONFLICT DO NOTHING;

-- Device records as before (migrations/030), and the members of site incidents until they report
-- again, the incident ends, or its record's work is completed or it is closed. A cancelled incident
-- record (a mistake) is no downtime, as for a device's own record.
CREATE OR REPLACE VIEW device_downtime AS
  SELECT r.site_id, r.device_id, o.occurred_at AS down_from,
    LEAST(o.recovered_at, CASE WHEN r.completed_at >= o.occurred_at THEN r.completed_at END, r.closed_at) AS down_until
  FROM device_fault_occurrences o JOIN service_records r ON r.id = o.record_id
  WHERE r.source = 'device' AND r.device_id IS NOT NULL AND r.state <> 'cancelled'
  UNION ALL
  SELECT i.site_id, m.device_id, m.down_at AS down_from,
    LEAST(m.back_at, i.ended_at, r.completed_at, r.closed_at) AS down_until
  FROM site_incident_devices m JOIN site_incidents i ON i.id = m.incident_id
    LEFT JOIN service_records r ON r.id = i.record_id
  WHERE r.state IS DISTINCT FROM 'cancelled';

-- Zones (片区): a site divided into zones of buildings and areas, each with its responsible people
-- per trade (zone responsibility: the steward, the guards and the repair staff of a zone answer for
-- its facilities). Dispatch and round assignment prefer a zone's person on duty (docs/service-records.md).
-- A building or an area belongs to one zone at most; the desk checks it (arrays cannot be keys).
CREATE TABLE zones (
  site_id text NOT NULL REFERENCES sites (id),
  id text NOT NULL,
  name text NOT NULL,
  building_ids text[] NOT NULL DEFAULT '{}',
  area_ids text[] NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL,
  PRIMARY KEY (site_id, id)
);

-- position orders a zone's people of one trade: the first on duty is preferred.
CREATE TABLE zone_people (
  site_id text NOT NULL,
  zone_id text NOT NULL,
  trade text NOT NULL,
  staff_id text NOT NULL REFERENCES staff (id),
  position integer NOT NULL,
  PRIMARY KEY (site_id, zone_id, trade, staff_id),
  FOREIGN KEY (site_id, zone_id) REFERENCES zones (site_id, id)
);

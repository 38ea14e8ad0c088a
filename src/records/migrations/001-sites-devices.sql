-- Sites (estates), their buildings and areas, and the devices registered on them.
-- Nothing is deleted: a device leaves service by being revoked, so history keeps its references.

CREATE TABLE sites (
  id text PRIMARY KEY,
  name text NOT NULL,
  address text,
  timezone text NOT NULL DEFAULT 'Asia/Shanghai',
  created_at timestamptz NOT NULL
);

CREATE TABLE buildings (
  site_id text NOT NULL REFERENCES sites (id),
  id text NOT NULL,
  name text NOT NULL,
  floors integer NOT NULL CHECK (floors >= 1),
  basements integer NOT NULL CHECK (basements >= 0),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (site_id, id)
);

CREATE TABLE areas (
  site_id text NOT NULL REFERENCES sites (id),
  id text NOT NULL,
  name text NOT NULL,
  building_id text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (site_id, id),
  FOREIGN KEY (site_id, building_id) REFERENCES buildings (site_id, id)
);

-- id is the MQTT client id, hence globally unique and the primary key the broker looks up on connect.
CREATE TABLE devices (
  id text PRIMARY KEY,
  site_id text NOT NULL REFERENCES sites (id),
  kind text NOT NULL CHECK (kind IN ('lift', 'pump', 'lighting', 'cctv')),
  model text,
  building_id text,
  floor integer,
  location text,
  interval_s integer NOT NULL CHECK (interval_s > 0),
  installed_on date,
  created_at timestamptz NOT NULL,
  secret_hash text NOT NULL,
  secret_rotated_at timestamptz,
  revoked_at timestamptz,
  FOREIGN KEY (site_id, building_id) REFERENCES buildings (site_id, id)
);

CREATE INDEX devices_site_kind ON devices (site_id, kind);

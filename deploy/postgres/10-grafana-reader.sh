#!/bin/sh
# Run once by the postgres image on a new data directory: a read-only role for Grafana's
# facility-records datasource, allowed to read every table the platform's migrations create.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v reader_password="$GRAFANA_READER_PASSWORD" <<'SQL'
CREATE ROLE grafana_reader LOGIN PASSWORD :'reader_password';
GRANT CONNECT ON DATABASE facility TO grafana_reader;
GRANT USAGE ON SCHEMA public TO grafana_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO grafana_reader;
ALTER DEFAULT PRIVILEGES FOR ROLE facility IN SCHEMA public GRANT SELECT ON TABLES TO grafana_reader;
SQL

-- The records database's two logins, run once as a superuser connected to that database:
--   facility        owns the database and its public schema; the platform migrates and writes as it
--                   (DATABASE_URL). Not a superuser.
--   grafana_reader  the facility-records datasource of Grafana: SELECT on the tables its dashboards
--                   read, without secrets or residents' contacts, and nothing else. The platform
--                   grants them at every start (src/records/reader.ts): run this before its first
--                   start, or restart it after.
-- Compose: the postgres image runs this file when its data directory is new (deploy/compose.yaml).
-- Host:    sudo -u postgres createdb facility
--          sudo -u postgres env RECORDS_DB_PASSWORD=... GRAFANA_READER_PASSWORD=... \
--            psql -v ON_ERROR_STOP=1 -d facility -f deploy/postgres/10-roles.sql
-- The passwords come from the environment (\getenv, psql 15+), so they are written nowhere.
\set ON_ERROR_STOP on
\getenv facility_password RECORDS_DB_PASSWORD
\getenv reader_password GRAFANA_READER_PASSWORD
\if :{?facility_password}
\else
  \set facility_password ''
\endif
\if :{?reader_password}
\else
  \set reader_password ''
\endif
SELECT length(:'facility_password') < 16 OR length(:'reader_password') < 16 AS weak \gset
\if :weak
  DO $$ BEGIN RAISE EXCEPTION 'set RECORDS_DB_PASSWORD and GRAFANA_READER_PASSWORD (16+ characters: openssl rand -hex 32)'; END $$;
\endif

CREATE ROLE facility LOGIN PASSWORD :'facility_password';
-- PostgreSQL 15+: the public schema belongs to the database owner, so facility may create tables.
SELECT format('ALTER DATABASE %I OWNER TO facility', current_database()) \gexec

CREATE ROLE grafana_reader LOGIN PASSWORD :'reader_password';
ALTER ROLE grafana_reader SET default_transaction_read_only = on;
SELECT format('GRANT CONNECT ON DATABASE %I TO grafana_reader', current_database()) \gexec
GRANT USAGE ON SCHEMA public TO grafana_reader;

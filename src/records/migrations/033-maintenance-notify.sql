-- A maintenance window takes effect when the API (or the CLI) answers, on every rules worker: each
-- change is announced on the channel fm_maintenance at COMMIT, to every listening session of every
-- process (docs/rules.md, "Maintenance windows"). The payload names the window; listeners reload.
CREATE FUNCTION maintenance_windows_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('fm_maintenance', json_build_object('id', NEW.id, 'site', NEW.site_id)::text);
  RETURN NULL;
END
$$;

CREATE TRIGGER maintenance_windows_notify AFTER INSERT OR UPDATE ON maintenance_windows
  FOR EACH ROW EXECUTE FUNCTION maintenance_windows_notify();

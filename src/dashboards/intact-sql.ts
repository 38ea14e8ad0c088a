/**
 * The equipment intact rate per kind of device and per zone over the dashboard's range, as the
 * statistics count them (records/service/stats.ts equipmentIntact; `GET /stats` per kind:
 * equipmentIntactLift..., and with `zone`: the devices in the zone's buildings): device-time outside
 * the outages of the view device_downtime over device-time, each device from its registration (or
 * the range's start) to its revocation (or the range's end, or now), overlapping outages once.
 */
export const INTACT_BY_KIND_AND_ZONE_SQL = `WITH w AS (SELECT $__timeFrom()::timestamptz AS f, LEAST($__timeTo()::timestamptz, now()) AS t),
dev AS (
  SELECT d.id, d.kind, d.building_id,
    tstzrange(GREATEST(d.created_at, w.f), LEAST(COALESCE(d.revoked_at, w.t), w.t)) AS span
  FROM devices d, w
  WHERE d.site_id = '$site' AND d.created_at < w.t AND (d.revoked_at IS NULL OR d.revoked_at > w.f)
),
down AS (
  SELECT x.device_id, range_agg(tstzrange(x.down_from, GREATEST(x.down_from, COALESCE(x.down_until, w.t)))) AS spans
  FROM device_downtime x, w
  WHERE x.site_id = '$site' AND x.down_from < w.t
  GROUP BY x.device_id
),
per AS (
  SELECT dev.kind, dev.building_id, extract(epoch FROM upper(dev.span) - lower(dev.span)) AS total,
    COALESCE(dn.s, 0) AS down
  FROM dev LEFT JOIN LATERAL (
    SELECT sum(extract(epoch FROM upper(x) - lower(x))) AS s
    FROM down, unnest(down.spans * multirange(dev.span)) AS x
    WHERE down.device_id = dev.id
  ) dn ON true
)
SELECT 'kind' AS per, per.kind AS name,
  round((100 * (1 - sum(per.down) / NULLIF(sum(per.total), 0)))::numeric, 2) AS intact_pct
FROM per GROUP BY per.kind
UNION ALL
SELECT 'zone', z.name, round((100 * (1 - sum(per.down) / NULLIF(sum(per.total), 0)))::numeric, 2)
FROM zones z JOIN per ON per.building_id = ANY (z.building_ids)
WHERE z.site_id = '$site'
GROUP BY z.id, z.name
ORDER BY 1, 2`;

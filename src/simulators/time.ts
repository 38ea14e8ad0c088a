/**
 * Time helpers for the models: durations as people write them, the site's local hour (daily
 * profiles are local: people leave for work at 7:30 Shanghai time, not UTC), and daylight.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/;

/** "90s", "10m", "1h30m", "+2m", or a number of seconds. Returns ms, or undefined when malformed. */
export function parseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? input * 1000 : undefined;
  let rest = input.trim().replace(/^\+/, '');
  if (rest === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(rest)) return Number(rest) * 1000;
  let total = 0;
  while (rest.length > 0) {
    const m = DURATION.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsets = new Map<string, number>();

/**
 * UTC offset of a time zone at a time, cached per zone and hour: Intl is microseconds per call and a
 * fleet asks on every step of every device.
 */
export function zoneOffsetMs(timeZone: string, at: number): number {
  const key = `${timeZone}@${Math.floor(at / HOUR_MS)}`;
  const cached = offsets.get(key);
  if (cached !== undefined) return cached;
  let fmt = formatters.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, fmt);
  }
  const p = Object.fromEntries(fmt.formatToParts(at).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  const offset = asUtc - Math.floor(at / 1000) * 1000;
  if (offsets.size > 10_000) offsets.clear();
  offsets.set(key, offset);
  return offset;
}

/** Hour of day in [0, 24) at the site. */
export function localHour(timeZone: string, at: number): number {
  const local = at + zoneOffsetMs(timeZone, at);
  return (((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
}

/** A bump centred on an hour of the day (wrapping midnight), for daily use profiles. */
export function bump(hour: number, centre: number, widthH: number): number {
  let d = Math.abs(hour - centre);
  if (d > 12) d = 24 - d;
  return Math.exp(-(d * d) / (2 * widthH * widthH));
}

/**
 * Solar elevation in degrees (NOAA's low-precision formulas, good to a fraction of a degree),
 * enough to switch a photocell at dusk on the right minute of the season.
 */
export function solarElevationDeg(at: number, latitudeDeg: number, longitudeDeg: number): number {
  const rad = Math.PI / 180;
  const days = at / DAY_MS - 10957.5; // days since J2000.0
  const meanLong = (280.46 + 0.9856474 * days) % 360;
  const anomaly = ((357.528 + 0.9856003 * days) % 360) * rad;
  const eclLong = (meanLong + 1.915 * Math.sin(anomaly) + 0.02 * Math.sin(2 * anomaly)) * rad;
  const obliquity = (23.439 - 0.0000004 * days) * rad;
  const decl = Math.asin(Math.sin(obliquity) * Math.sin(eclLong));
  const ra = Math.atan2(Math.cos(obliquity) * Math.sin(eclLong), Math.cos(eclLong));
  const gmstH = (18.697374558 + 24.06570982441908 * days) % 24;
  const hourAngle = (gmstH * 15 + longitudeDeg) * rad - ra;
  const lat = latitudeDeg * rad;
  const sinEl = Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle);
  return Math.asin(sinEl) / rad;
}

/**
 * Clear-sky horizontal illuminance, lux: about 100 klx with the sun high, ~400 lx at sunset, a few
 * lux at the end of civil twilight (sun 6 degrees below the horizon), moonless night below that.
 */
export function clearSkyLux(elevationDeg: number): number {
  if (elevationDeg >= 0) return 400 + 110_000 * Math.sin((elevationDeg * Math.PI) / 180) ** 1.15;
  if (elevationDeg > -6) return 3 * 133 ** ((elevationDeg + 6) / 6);
  return 0.1;
}

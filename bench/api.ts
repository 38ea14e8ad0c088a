/**
 * API read benchmark (issue 3): 100,000 service records in a realistic mix, then, at a fixed 500
 * requests/s each, (a) list a site's open records and (b) get one record with its history, on
 * PostgreSQL and on embedded PGlite. Loopback only; every run is bounded by --duration.
 *
 *   node bin/run-ts.js bench/api.ts [--engine both|postgres|pglite] [--records 100000]
 *     [--rate 500] [--duration 20] [--connections 10]
 *
 * The load generator (autocannon) runs in a child process so it does not share the API's event loop.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startApi } from '../src/api/index.ts';
import { openRecords, type Records } from '../src/records/index.ts';
import { openServiceDesk } from '../src/records/service/index.ts';
import { startPostgres, tempDir } from '../tests/support/servers.ts';

// autocannon ships no types and @types/autocannon is not a dependency: the little we use, typed here.
interface Request {
  method: string;
  path?: string;
  setupRequest?: (req: Request) => Request;
}
interface Histogram {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: {
  url: string;
  connections: number;
  duration: number;
  overallRate: number;
  headers: Record<string, string>;
  requests: Request[];
}) => Promise<{
  requests: { total: number; average: number };
  latency: Histogram;
  errors: number;
  non2xx: number;
  timeouts: number;
}>;

const SITES = 20;
const log = pino({ level: 'warn' });

interface Load {
  url: string;
  token: string;
  paths: string[];
  rate: number;
  duration: number;
  connections: number;
}

interface Figures {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  timeouts: number;
}

/** Child side: one autocannon run over the given paths, chosen at random per request. */
async function runLoad(load: Load): Promise<void> {
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    duration: load.duration,
    overallRate: load.rate,
    headers: { authorization: `Bearer ${load.token}` },
    requests: [
      {
        method: 'GET',
        setupRequest: (req: Request) => ({
          ...req,
          path: load.paths[Math.floor(Math.random() * load.paths.length)]!,
        }),
      },
    ],
  });
  const figures: Figures = {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    max: result.latency.max,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
}

function loadInChild(load: Load): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/run-ts.js', 'bench/api.ts', '--load', JSON.stringify(load)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited with ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1)!) as Figures);
    });
  });
}

/**
 * The mix: 20 sites; sources mostly calls; 88% closed, 2% cancelled, 10% open across the open
 * states; nine history rows for a closed record, three for a cancelled one, four for an open one;
 * two deadlines each. Written in SQL: the domain's per-record path would take the whole budget.
 */
async function seed(records: Records, count: number): Promise<void> {
  const db = records.db;
  const at = new Date('2025-03-01T00:00:00Z');
  for (let s = 1; s <= SITES; s++) {
    const id = `estate-${String(s).padStart(2, '0')}`;
    await records.addSite({ id, name: `Estate ${s}` });
    for (let b = 1; b <= 6; b++)
      await records.addBuilding({ site: id, id: `T${b}`, name: `Tower ${b}`, floors: 18 });
  }
  const CHUNK = 10_000;
  for (let start = 1; start <= count; start += CHUNK) {
    const end = Math.min(count, start + CHUNK - 1);
    await db.query(
      `INSERT INTO service_records (site_id, source, type, trade, priority, state, title, content, building_id, floor,
         unit, contact_name, contact_phone, received_at, created_at, owner_id, assignee_id, state_since)
       SELECT 'estate-' || lpad(((g % ${SITES}) + 1)::text, 2, '0'),
         (ARRAY['call','call','call','call','walk_in','staff','supervisor_order'])[1 + g % 7],
         (ARRAY['repair','repair','repair','help','inquiry','complaint'])[1 + (g / 7) % 6],
         (ARRAY['engineering','engineering','security','cleaning','customer_service'])[1 + (g / 3) % 5],
         (ARRAY['normal','normal','normal','urgent','low','emergency'])[1 + (g / 11) % 6],
         CASE WHEN (g / ${SITES}) % 50 < 44 THEN 'closed' WHEN (g / ${SITES}) % 50 = 44 THEN 'cancelled'
           ELSE (ARRAY['received','dispatched','acknowledged','on_site','planned','in_progress','escalated',
             'awaiting_acceptance','return_visit'])[1 + (g / 1000) % 9] END,
         'Record ' || g, 'Resident reports a fault, seeded record number ' || g,
         'T' || (1 + g % 6), 1 + g % 18, lpad(((g % 4) + 1)::text, 2, '0'),
         'Resident ' || g, '138' || lpad((g % 100000000)::text, 8, '0'),
         $1::timestamptz + g * interval '30 seconds', $1::timestamptz + g * interval '30 seconds' + interval '20 seconds',
         'desk-' || (g % 5), 'eng-' || (g % 12), $1::timestamptz + g * interval '30 seconds' + interval '1 hour'
       FROM generate_series($2::int, $3::int) g`,
      [at, start, end],
    );
  }
  await db.exec(`
    INSERT INTO service_history (subject, subject_id, at, actor_id, actor_role, action, from_state, to_state, note)
    SELECT 'record', r.id, r.received_at + k * interval '3 minutes', r.owner_id, 'front_desk',
      (ARRAY['create','dispatch','acknowledge','arrive','plan','start','complete','accept','visit'])[k],
      (ARRAY[NULL,'received','dispatched','acknowledged','on_site','planned','in_progress','awaiting_acceptance','return_visit'])[k],
      (ARRAY['received','dispatched','acknowledged','on_site','planned','in_progress','awaiting_acceptance','return_visit','closed'])[k],
      CASE WHEN k = 1 THEN r.content END
    FROM service_records r
    CROSS JOIN LATERAL generate_series(1, CASE r.state WHEN 'closed' THEN 9 WHEN 'cancelled' THEN 3 ELSE 4 END) k;
    INSERT INTO sla_deadlines (subject, subject_id, step, round, site_id, due_at, met_at)
    SELECT 'record', r.id, s.step, 0, r.site_id, r.received_at + s.limit_s * interval '1 second',
      r.received_at + s.limit_s * interval '0.5 second'
    FROM service_records r CROSS JOIN (VALUES ('record', 60), ('dispatch', 120)) AS s(step, limit_s);
    ANALYZE;`);
}

async function benchEngine(
  engine: 'postgres' | 'pglite',
  opts: { records: number; rate: number; duration: number; connections: number },
) {
  const pg = engine === 'postgres' ? await startPostgres() : undefined;
  const dataDir = tempDir('bench-api');
  const records = await openRecords({ databaseUrl: pg?.url, dataDir, log });
  const api = { stop: async () => {} };
  try {
    const t0 = Date.now();
    await seed(records, opts.records);
    const seedS = (Date.now() - t0) / 1000;
    const desk = openServiceDesk({ db: records.db, log });
    const adminToken = `fm_admin_${'b'.repeat(43)}`;
    const running = await startApi({
      records,
      desk,
      log,
      now: Date.now,
      options: { dataDir, port: 0, adminToken, rateLimitMax: 0, docs: false },
    });
    api.stop = running.stop;
    const ids = await records.db.query<{ id: number }>(
      'SELECT id FROM service_records ORDER BY random() LIMIT 2000',
    );
    const site = 'estate-07';
    const [{ open }] = (await records.db.query<{ open: number }>(
      `SELECT count(*)::int AS open FROM service_records WHERE site_id = $1 AND state NOT IN ('closed','cancelled')`,
      [site],
    )) as [{ open: number }];
    const base = { url: running.address, token: adminToken, ...opts };
    const list = await loadInChild({ ...base, paths: [`/records?site=${site}&open=true&limit=50`] });
    const get = await loadInChild({ ...base, paths: ids.map((r) => `/records/${r.id}`) });
    return { engine, seedS, openInSite: open, list, get };
  } finally {
    await api.stop();
    await records.close();
    await pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      load: { type: 'string' },
      engine: { type: 'string', default: 'both' },
      records: { type: 'string', default: '100000' },
      rate: { type: 'string', default: '500' },
      duration: { type: 'string', default: '20' },
      connections: { type: 'string', default: '10' },
    },
  });
  if (values.load) return runLoad(JSON.parse(values.load) as Load);
  const opts = {
    records: Number(values.records),
    rate: Number(values.rate),
    duration: Math.min(Number(values.duration), 120),
    connections: Number(values.connections),
  };
  const engines =
    values.engine === 'both' ? (['postgres', 'pglite'] as const) : [values.engine as 'postgres' | 'pglite'];
  console.log(
    `API read benchmark: ${opts.records} records, ${opts.rate} req/s for ${opts.duration} s, ${opts.connections} connections`,
  );
  for (const engine of engines) {
    const r = await benchEngine(engine, opts);
    console.log(
      `\n${engine}: seeded in ${r.seedS.toFixed(1)} s; ${r.openInSite} open records in the listed site`,
    );
    for (const [name, f] of [
      ['list open records of a site (limit 50)', r.list],
      ['get one record with history', r.get],
    ] as const) {
      console.log(
        `  ${name}: ${f.requests} requests, ${f.rps.toFixed(0)} req/s, p50 ${f.p50} ms, p90 ${f.p90} ms, p99 ${f.p99} ms, max ${f.max} ms, errors ${f.errors}, non-2xx ${f.non2xx}, timeouts ${f.timeouts}`,
      );
    }
  }
}

await main();

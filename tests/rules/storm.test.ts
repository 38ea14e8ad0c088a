/**
 * A power cut of 200 devices, with the real fleet runner: every device its own MQTT client with its
 * own credentials and last will on mosquitto. One site incident names them all; no record each.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_FILE, type Rules } from '../../src/rules/index.ts';
import { type Fleet, runFleet } from '../../src/simulators/index.ts';
import type { RunningServer } from '../support/servers.ts';
import {
  type EstateDevice,
  FakeClock,
  openStore,
  registerEstate,
  rulesFor,
  SECRET,
  type Store,
  silent,
  startBroker,
  until,
} from './support.ts';

const SITE = 'storm';
const KINDS = ['lift', 'pump', 'lighting', 'cctv'] as const;
const devices: EstateDevice[] = KINDS.flatMap((kind) =>
  Array.from({ length: 50 }, (_, i) => ({
    deviceId: `S-${kind}-${String(i + 1).padStart(3, '0')}`,
    kind,
    secret: SECRET,
    building: 'T1',
  })),
);
const FAST = new URL('./fixtures/fast-link.json', import.meta.url).pathname;

let broker: RunningServer & { url: string };
let store: Store;
let rules: Rules;
let fleet: Fleet;
const clock = new FakeClock(Date.now());
clock.now = Date.now;

const incidents = () =>
  store.records.db.query<{ recordId: number; devices: string[]; endedAt: Date | null }>(
    'SELECT record_id AS "recordId", devices, ended_at AS "endedAt" FROM site_incidents WHERE site_id = $1',
    [SITE],
  );
const siteRecords = async () => (await store.desk.listRecords({ site: SITE, limit: 500 })).records;

beforeAll(async () => {
  broker = await startBroker(devices.map((d) => d.deviceId));
  store = await openStore(clock);
  await registerEstate(store.records, SITE, devices);
  rules = await rulesFor(broker.url, store, clock, { ruleFiles: [DEFAULT_RULE_FILE, FAST], tickMs: 250 });
  fleet = await runFleet({
    brokerUrl: broker.url,
    site: SITE,
    devices,
    log: silent,
    tickMs: 250,
    connectsPerSecond: 400,
  });
  await until('the fleet online', () => fleet.stats().connected === devices.length, 20_000);
  await until('rules to see them', () => (rules.counters().messages ?? 0) >= devices.length, 10_000);
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  await rules?.stop();
  await store?.close();
  await broker?.stop();
});

describe('storms', () => {
  it('turns 200 devices going offline together into one site incident, ended when they are back', async () => {
    // Two waves, as a power cut reaches one building after another: the incident opens with the
    // first and grows by the second (wills also arrive over a few ticks on a busy machine).
    for (const d of devices.slice(0, 63)) fleet.inject(d.deviceId, 'offline', 'raise');
    await until('the incident to open', async () => (await incidents()).length > 0, 15_000);
    for (const d of devices.slice(63)) fleet.inject(d.deviceId, 'offline', 'raise');
    await until(
      'one incident naming all 200',
      async () => {
        const [i] = await incidents();
        return i?.recordId != null && i.devices.length === 200;
      },
      15_000,
    );
    await rules.idle();
    const [inc] = await incidents();
    expect(inc!.devices).toHaveLength(200);
    const records = await siteRecords();
    expect(records).toHaveLength(1);
    expect(records[0]!.content).toContain('S-lift-001');
    // Its text counts the devices down when it opened; each growth notes the count since and names
    // the newcomers (within the desk's 2,000 characters a note, however long the ids).
    const grown = (await store.desk.getRecord(records[0]!.id)).history.flatMap((h) =>
      h.note?.startsWith('Now ') ? [h.note] : [],
    );
    expect(grown.length).toBeGreaterThan(0);
    expect(grown.at(-1)).toContain('Now 200 devices down');
    expect(grown.join()).toContain('S-cctv-050');
    expect((await store.desk.listAlerts({ site: SITE })).alerts).toHaveLength(0);

    for (const d of devices) fleet.inject(d.deviceId, 'offline', 'clear');
    await until('the incident to end', async () => (await incidents())[0]?.endedAt != null, 20_000);
    await rules.idle();
    expect(await incidents()).toHaveLength(1);
    expect(await siteRecords()).toHaveLength(1);
    const history = (await store.desk.getRecord(records[0]!.id)).history;
    expect(history.some((h) => h.note?.includes('All 200 devices reporting again'))).toBe(true);
  }, 45_000);

  it('still gives one device going offline on its own a record of its own', async () => {
    fleet.inject('S-pump-007', 'offline', 'raise');
    await until(
      'its record',
      async () => (await siteRecords()).some((r) => r.deviceId === 'S-pump-007'),
      15_000,
    );
    const own = (await siteRecords()).filter((r) => r.deviceId === 'S-pump-007');
    expect(own.map((r) => r.faultCode)).toEqual(['offline']);
    expect(await incidents()).toHaveLength(1);
  }, 30_000);
});

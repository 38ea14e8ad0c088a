/** `facility zones|rounds` (and `duty now --building`) against an embedded PGlite data directory. */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as duty } from '../../src/commands/duty.ts';
import { run as rounds } from '../../src/commands/rounds.ts';
import { run as sites } from '../../src/commands/sites.ts';
import { run as staff } from '../../src/commands/staff.ts';
import { run as zones } from '../../src/commands/zones.ts';
import { loadConfig } from '../../src/config.ts';
import { migratedDataDir } from '../support/store.ts';
import { commandRunner } from './cli-support.ts';

const dataDir = migratedDataDir('rounds-cli');
const config = loadConfig({ FM_DATA_DIR: dataDir, FM_LANG: 'en' });

const facility = commandRunner(config);

describe('facility zones / rounds', () => {
  beforeAll(async () => {
    expect((await facility(sites, 'add', 'est', '--name', 'Estate')).code).toBe(0);
    expect((await facility(sites, 'add-building', 'est', 'T1', '--name', 'Tower 1')).code).toBe(0);
    expect((await facility(sites, 'add-area', 'est', 'garden', '--name', 'Garden')).code).toBe(0);
    for (const [id, role, trade] of [
      ['eng-li', 'engineer', 'engineering'],
      ['eng-wu', 'engineer', 'engineering'],
    ] as const) {
      const added = await facility(staff, 'add', id, '--name', id, '--roles', role, '--trades', trade);
      expect(added.code, added.err).toBe(0);
    }
    for (const who of ['eng-li', 'eng-wu']) {
      const shift = [
        'add',
        '--site',
        'est',
        '--staff',
        who,
        '--trade',
        'engineering',
        '--starts',
        '00:00',
        '--ends',
        '00:00',
      ];
      expect((await facility(duty, ...shift)).code).toBe(0);
    }
  });
  afterAll(async () => {
    await facility.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('zones: adds, lists, and duty now prefers the zone person on duty; refuses a bad --people', async () => {
    const added = await facility(
      zones,
      'add',
      'north',
      '--site',
      'est',
      '--name',
      'North',
      '--buildings',
      'T1',
      '--people',
      'engineering=eng-wu',
    );
    expect(added, added.err).toMatchObject({ code: 0 });
    expect(added.out).toContain(
      'zone added: north (North) at est: buildings T1, areas -; engineering eng-wu',
    );
    const list = await facility(zones, 'list', '--site', 'est');
    expect(list.out.split('\n')[1]).toMatch(/^north\s+T1\s+-\s+engineering=eng-wu$/);
    const now = await facility(duty, 'now', '--site', 'est', '--trade', 'engineering', '--building', 'T1');
    expect(now.out).toMatch(/^eng-wu \(eng-wu\): on duty, the zone's responsible person \(zone north\)/);
    const site = await facility(duty, 'now', '--site', 'est', '--trade', 'engineering');
    expect(site.out).toMatch(/^eng-li \(eng-li\): on duty for engineering/);
    const bad = await facility(zones, 'add', 'south', '--site', 'est', '--name', 'S', '--people', 'eng-li');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--people must be TRADE=ID[,ID...]');
  });

  it('rounds: adds a route with codes, schedules it, lists routes and rounds', async () => {
    const added = await facility(
      rounds,
      'add-route',
      'night',
      '--site',
      'est',
      '--name',
      'Night lighting',
      '--trade',
      'security',
      '--fault-kinds',
      'lighting,lift',
      '--point',
      'Gate;area=garden;location=by the barrier',
      '--point',
      'Tower 1 lobby;building=T1',
    );
    expect(added.code, added.err).toBe(0);
    expect(added.out).toContain(
      'night (Night lighting) at est: security, the round_finish limit, faulty lighting/lift first; unscheduled',
    );
    expect(added.out).toMatch(/ {2}1 {4}[A-Z0-9]{12} {2}Gate/);
    const sched = await facility(
      rounds,
      'schedule',
      '--site',
      'est',
      '--route',
      'night',
      '--starts',
      '04:00',
    );
    expect(sched.out).toMatch(/^schedule \d+: route night at 04:00, weekdays 1,2,3,4,5,6,7$/);
    expect((await facility(rounds, 'routes', '--site', 'est')).out).toContain('04:00 (1,2,3,4,5,6,7)');
    expect((await facility(rounds, 'list', '--site', 'est')).out).toBe('no rounds match');
    const bad = await facility(
      rounds,
      'add-route',
      'x',
      '--site',
      'est',
      '--name',
      'X',
      '--trade',
      'security',
      '--point',
      'A;floor=3',
    );
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--point parts are building=, area=, device=, location=');
    const missing = await facility(
      rounds,
      'add-route',
      'y',
      '--site',
      'est',
      '--name',
      'Y',
      '--trade',
      'security',
      '--point',
      'A;area=nowhere',
    );
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('area "nowhere" is not in site "est"');
  });
});

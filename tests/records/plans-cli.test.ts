/** `facility plans` against an embedded PGlite data directory, as an operator runs it. */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as devices } from '../../src/commands/devices.ts';
import { run as plans } from '../../src/commands/plans.ts';
import { run as sites } from '../../src/commands/sites.ts';
import { run as staff } from '../../src/commands/staff.ts';
import { loadConfig } from '../../src/config.ts';
import { openServiceDesk } from '../../src/records/service/index.ts';
import { migratedDataDir } from '../support/store.ts';
import { commandRunner } from './cli-support.ts';
import { silent } from './suite.ts';

const dataDir = migratedDataDir('plans-cli');
const config = loadConfig({ FM_DATA_DIR: dataDir, FM_LANG: 'en', FM_PLAN_TANK_MONTHS: '3' });

const facility = commandRunner(config);

describe('facility plans', () => {
  beforeAll(async () => {
    expect((await facility(sites, 'add', 'est', '--name', 'Estate')).code).toBe(0);
    expect((await facility(devices, 'add', '--id', 'lift-1', '--site', 'est', '--kind', 'lift')).code).toBe(
      0,
    );
    expect(
      (
        await facility(
          staff,
          'add',
          'sup-1',
          '--name',
          'Zhou',
          '--roles',
          'supervisor',
          '--trades',
          'engineering',
        )
      ).code,
    ).toBe(0);
  });
  afterAll(async () => {
    await facility.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds plans with the settings’ intervals, lists, shows the calendar and ends one', async () => {
    const lift = await facility(
      plans,
      'add',
      '--site',
      'est',
      '--scope',
      'device',
      '--device',
      'lift-1',
      '--template',
      'lift-half-monthly',
      '--starts',
      '2030-01-01',
    );
    expect(lift).toMatchObject({ code: 0 });
    expect(lift.out).toMatch(
      /^maintenance plan 1 added: 电梯半月维保, every 15 days from 2030-01-01, 15 checklist items$/,
    );
    // FM_PLAN_TANK_MONTHS=3 replaces the six months of the template.
    const tank = await facility(
      plans,
      'add',
      '--site',
      'est',
      '--scope',
      'site',
      '--template',
      'tank-cleaning',
      '--starts',
      '2030-01-15',
    );
    expect(tank.out).toContain('every 3 months from 2030-01-15');
    const bad = await facility(plans, 'add', '--site', 'est', '--scope', 'site', '--every', 'weekly');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--every must look like 15d, 6m or 1y');

    const list = await facility(plans, 'list', '--site', 'est');
    expect(list.out.split('\n')).toHaveLength(3);
    const cal = await facility(plans, 'calendar', '--site', 'est', '--month', '2030-01');
    expect(
      cal.out
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['2030-01-01', '2030-01-15', '2030-01-16', '2030-01-31']);
    expect((await facility(plans, 'end', '2')).out).toBe('maintenance plan 2 ended: 二次供水水箱清洗消毒');
    expect((await facility(plans, 'end', '2')).code).toBe(1);
  });

  it('shows and answers a job’s checklist', async () => {
    const records = await facility.store();
    const desk = openServiceDesk({
      db: records.db,
      log: silent,
      now: () => Date.parse('2029-12-29T16:00:00Z'),
    });
    const [job] = await desk.generateDueJobs();
    expect(job).toMatchObject({ state: 'dispatched', assigneeId: 'sup-1' });
    for (const a of ['acknowledge', 'arrive'])
      await desk.transition(job!.id, a, { id: 'sup-1', role: 'supervisor' });
    const checked = await facility(
      plans,
      'check',
      '1',
      '3',
      'fault',
      '--note',
      'brake worn',
      '--by',
      'sup-1',
    );
    expect(checked.out).toMatch(/^job 1 item 3: fault; repair record 2 opened$/);
    const shown = await facility(plans, 'checklist', '1');
    expect(shown.out.split('\n')[3]).toMatch(/^3 +fault +record 2 +.*\(brake worn\)$/);
  });
});

/** `facility staff|duty|maintenance` against an embedded PGlite data directory, as an operator runs them. */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run as duty } from '../../src/commands/duty.ts';
import { run as maintenance } from '../../src/commands/maintenance.ts';
import { run as sites } from '../../src/commands/sites.ts';
import { run as staff } from '../../src/commands/staff.ts';
import { loadConfig } from '../../src/config.ts';
import { currentWindows } from '../../src/rules/maintenance.ts';
import { migratedDataDir } from '../support/store.ts';
import { commandRunner } from './cli-support.ts';

const dataDir = migratedDataDir('duty-cli');
const config = loadConfig({ FM_DATA_DIR: dataDir, FM_LANG: 'en' });

const facility = commandRunner(config);

describe('facility staff / duty / maintenance', () => {
  beforeAll(async () => {
    expect((await facility(sites, 'add', 'est', '--name', 'Estate')).code).toBe(0);
    expect((await facility(sites, 'add-building', 'est', 'T1', '--name', 'Tower 1')).code).toBe(0);
    expect(
      (await facility(sites, 'add-area', 'est', 'lobby', '--name', 'Lobby', '--building', 'T1')).code,
    ).toBe(0);
  });
  afterAll(async () => {
    await facility.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('staff: adds, lists and deactivates; refuses bad roles with exit 2 and duplicates with exit 1', async () => {
    const added = await facility(
      staff,
      'add',
      'eng-li',
      '--name',
      'Li',
      '--roles',
      'engineer',
      '--trades',
      'engineering',
      '--phone',
      '138 0000 0001',
    );
    expect(added).toMatchObject({
      code: 0,
      out: 'staff eng-li added: Li, engineer (engineering), every site',
    });
    await facility(
      staff,
      'add',
      'sup-zhang',
      '--name',
      'Zhang',
      '--roles',
      'supervisor',
      '--trades',
      'engineering,fire',
    );
    await facility(staff, 'add', 'eng-old', '--name', 'Old', '--roles', 'engineer', '--sites', 'est');
    expect((await facility(staff, 'deactivate', 'eng-old')).code).toBe(0);
    const list = await facility(staff, 'list');
    expect(list.out.split('\n')[0]).toMatch(/^ID\s+STATUS\s+ROLES\s+TRADES\s+SITES\s+PHONE\s+NAME$/);
    expect(list.out).toMatch(/eng-li\s+active\s+engineer\s+engineering\s+\*\s+138 0000 0001\s+Li/);
    expect(list.out).toMatch(/eng-old\s+inactive\s+engineer\s+-\s+est/);
    // A person's own notification channels (docs/notifications.md).
    const withChannels = await facility(
      staff,
      'add',
      'eng-wu',
      '--name',
      'Wu',
      '--roles',
      'engineer',
      '--phone',
      '13800000002',
      '--email',
      'wu@example.com',
      '--notify-via',
      'sms,email',
      '--quiet-hours',
      '22:00-07:00',
    );
    expect(withChannels.code).toBe(0);
    const json = JSON.parse((await facility(staff, 'list', '--json')).out) as { id: string }[];
    expect(json.find((s) => s.id === 'eng-wu')).toMatchObject({
      email: 'wu@example.com',
      notifyVia: ['sms', 'email'],
      quietHours: '22:00-07:00',
    });
    const badQuiet = await facility(
      staff,
      'add',
      'eng-x',
      '--name',
      'X',
      '--roles',
      'engineer',
      '--quiet-hours',
      '22-7',
    );
    expect(badQuiet).toMatchObject({ code: 2, err: expect.stringContaining('quietHours') });
    const bad = await facility(staff, 'add', 'x', '--name', 'X', '--roles', 'janitor');
    expect(bad).toMatchObject({ code: 2, err: expect.stringMatching(/^facility: invalid staff: roles\.0/) });
    const dup = await facility(staff, 'add', 'eng-li', '--name', 'Li', '--roles', 'engineer');
    expect(dup).toMatchObject({ code: 1, err: expect.stringContaining('"eng-li" already exists') });
    expect((await facility(staff, 'add', 'y', '--name', 'Y')).err).toContain('--roles is required');
  });

  it('duty: a shift added makes that person the one dispatch picks now; ending it falls back to the supervisor', async () => {
    const added = await facility(
      duty,
      'add',
      '--site',
      'est',
      '--staff',
      'eng-li',
      '--trade',
      'engineering',
      '--starts',
      '00:00',
      '--ends',
      '00:00',
    );
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/^shift (\d+) added: eng-li for engineering at est, 00:00-00:00 every day$/);
    const id = /^shift (\d+)/.exec(added.out)![1]!;
    const now = await facility(duty, 'now', '--site', 'est', '--trade', 'engineering');
    expect(now).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^eng-li \(Li, 138 0000 0001\): on duty for engineering at est/),
    });
    expect((await facility(duty, 'list', '--site', 'est')).out).toMatch(
      /engineering\s+\*\s+00:00-00:00\s+1,2,3,4,5,6,7\s+-\s+eng-li/,
    );

    expect((await facility(duty, 'end', id)).code).toBe(0);
    const after = await facility(duty, 'now', '--site', 'est', '--trade', 'engineering');
    expect(after.out).toMatch(
      /^sup-zhang \(Zhang\): nobody is on duty; the trade supervisor for engineering/,
    );
    const nobody = await facility(duty, 'now', '--site', 'est', '--trade', 'cleaning');
    expect(nobody).toMatchObject({ code: 1, err: expect.stringContaining('nobody is on duty for cleaning') });
    expect(
      (await facility(duty, 'now', '--site', 'est', '--trade', 'engineering', '--at', 'tomorrow')).code,
    ).toBe(2);
    const badTime = await facility(
      duty,
      'add',
      '--site',
      'est',
      '--staff',
      'eng-li',
      '--trade',
      'fire',
      '--starts',
      '8am',
      '--ends',
      '17:00',
    );
    expect(badTime).toMatchObject({ code: 2, err: expect.stringContaining('starts: must be HH:MM') });
  });

  it('maintenance: adds a window rules then reads, lists it, ends it early; cancels a planned one', async () => {
    const added = await facility(
      maintenance,
      'add',
      '--site',
      'est',
      '--scope',
      'area',
      '--target',
      'lobby',
      '--for',
      '2h',
      '--note',
      'repainting',
      '--by',
      'sup-zhang',
    );
    expect(added.code, added.err).toBe(0);
    expect(added.out).toMatch(/^maintenance window (\d+) added: area lobby at est, .* \(active\)$/);
    const id = /window (\d+)/.exec(added.out)![1]!;
    const planned = await facility(
      maintenance,
      'add',
      '--site',
      'est',
      '--scope',
      'site',
      '--starts',
      new Date(Date.now() + 86_400_000).toISOString(),
      '--for',
      '1d',
    );
    const plannedId = /window (\d+)/.exec(planned.out)![1]!;

    const windows = await currentWindows((await facility.store()).db, new Date());
    expect(windows.find((w) => String(w.id) === id)).toMatchObject({ scope: 'area', building: 'T1' });
    const list = await facility(maintenance, 'list', '--state', 'active');
    expect(list.out).toMatch(
      new RegExp(`^${id}\\s+est\\s+area\\s+lobby\\s+\\S+\\s+\\S+\\s+active\\s+repainting$`, 'm'),
    );
    expect(list.out).not.toMatch(new RegExp(`^${plannedId}\\s`, 'm'));

    expect((await facility(maintenance, 'end', id)).out).toMatch(
      new RegExp(`^maintenance window ${id} ended`),
    );
    const early = await facility(maintenance, 'end', plannedId);
    expect(early).toMatchObject({ code: 1, err: expect.stringContaining('cancel it instead') });
    expect((await facility(maintenance, 'end', plannedId, '--cancel')).out).toContain('cancelled');

    const noTarget = await facility(maintenance, 'add', '--site', 'est', '--scope', 'device', '--for', '1h');
    expect(noTarget).toMatchObject({ code: 2, err: expect.stringContaining('target is required') });
    const ghost = await facility(
      maintenance,
      'add',
      '--site',
      'est',
      '--scope',
      'device',
      '--target',
      'P-9',
      '--for',
      '1h',
    );
    expect(ghost).toMatchObject({ code: 1, err: expect.stringContaining('device "P-9" does not exist') });
    expect(
      (await facility(maintenance, 'add', '--site', 'est', '--scope', 'site', '--for', '2 hours')).code,
    ).toBe(2);
  });
});

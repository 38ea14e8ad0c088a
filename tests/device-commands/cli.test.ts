/** `facility devices command|commands`: the same queue as the API, from the shell (PostgreSQL or a stopped platform). */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/cli.ts';
import { run as devices } from '../../src/commands/devices.ts';
import { loadConfig } from '../../src/config.ts';
import { openRecords } from '../../src/records/index.ts';
import { silent } from '../records/suite.ts';
import { migratedDataDir } from '../support/store.ts';

const dataDir = migratedDataDir('commands-cli');
const config = loadConfig({ FM_DATA_DIR: dataDir, FM_COMMAND_TTL_S: '30' });

async function facility(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const ctx: CommandContext = { config, log: silent, args, out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await devices(ctx);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('facility devices command', () => {
  beforeAll(async () => {
    const records = await openRecords({ dataDir, log: silent });
    await records.addSite({ id: 's1', name: 'S1' });
    await records.addDevice({ id: 'L-1', site: 's1', kind: 'lift' });
    await records.close();
  });

  it('queues report-now and lists it with who gave it', async () => {
    const queued = await facility('command', 'L-1', 'report-now', '--by', 'ops-zhang', '--note', 'check');
    expect(queued.code).toBe(0);
    expect(queued.out).toMatch(/^command report-now [0-9a-f-]{36} queued for L-1; it expires at /);
    const list = await facility('commands', 'L-1', '--json');
    expect(JSON.parse(list.out)).toEqual([
      expect.objectContaining({
        command: 'report-now',
        state: 'queued',
        requestedBy: 'ops-zhang',
        note: 'check',
      }),
    ]);
    const [c] = JSON.parse(list.out);
    expect(Date.parse(c.expiresAt) - Date.parse(c.createdAt)).toBe(30_000);
    expect((await facility('commands', 'L-1')).out).toMatch(/report-now\s+queued\s+-\s+ops-zhang/);
  });

  it('refuses an unknown command as a usage mistake and a wrong kind as a refusal', async () => {
    expect(await facility('command', 'L-1', 'reboot')).toMatchObject({
      code: 2,
      err: expect.stringContaining('reset, report-now'),
    });
    expect(await facility('command', 'L-1', 'reset')).toMatchObject({
      code: 1,
      err: expect.stringContaining('it takes: report-now'),
    });
    expect(await facility('commands', 'NOPE')).toMatchObject({ code: 1 });
  });
});

import { appendFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Spool } from '../../src/ingest/spool.ts';
import { createLogger } from '../../src/log.ts';
import { tempDir } from '../support/servers.ts';

const log = createLogger({ level: 'silent', format: 'json' });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = tempDir('spool');
  dirs.push(d);
  return join(d, 'ingest-spool');
}
const batch = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => `m,device=d f=${from + i}i ${from + i}`);

describe('spool', () => {
  it('reads back in order across segments and deletes what was committed', async () => {
    const d = dir();
    const spool = await Spool.open(d, 600, 1e9, log);
    for (let i = 0; i < 20; i++) expect(await spool.append([batch(i * 10, 10)])).toBe(true);
    expect(spool.lines).toBe(200);
    expect(readdirSync(d).filter((f) => f.endsWith('.seg')).length).toBeGreaterThan(3);
    const seen: string[] = [];
    for (;;) {
      const r = await spool.read(35);
      if (!r) break;
      seen.push(...r.lines);
      await spool.commit();
    }
    expect(seen).toEqual(batch(0, 200));
    expect(spool.lines).toBe(0);
    expect(spool.bytes).toBe(0);
    expect(readdirSync(d).filter((f) => f.endsWith('.seg')).length).toBe(1); // the one appended to
    await spool.close();
  });

  it('resumes after a restart from the cursor, and cuts a torn tail', async () => {
    const d = dir();
    const a = await Spool.open(d, 1e6, 1e9, log);
    await a.append([batch(0, 10), batch(10, 10)]);
    await a.append([batch(20, 10)]);
    const r = await a.read(10);
    expect(r!.lines).toEqual(batch(0, 10));
    await a.commit();
    await a.close();
    // A crash in the middle of an append leaves half a record.
    const seg = join(d, readdirSync(d).find((f) => f.endsWith('.seg'))!);
    const size = statSync(seg).size;
    appendFileSync(seg, Buffer.from([0, 0, 1, 0, 1, 2, 3]));
    const b = await Spool.open(d, 1e6, 1e9, log);
    expect(statSync(seg).size).toBe(size);
    expect(b.lines).toBe(20);
    const rest = await b.read(1000);
    expect(rest!.lines).toEqual(batch(10, 20));
    await b.commit();
    expect(b.isEmpty).toBe(true);
    await b.append([batch(30, 5)]);
    expect((await b.read(1000))!.lines).toEqual(batch(30, 5));
    await b.close();
  });

  it('refuses appends beyond its disk cap', async () => {
    const spool = await Spool.open(dir(), 1e6, 400, log);
    expect(await spool.append([batch(0, 10)])).toBe(true);
    expect(await spool.append([batch(10, 10)])).toBe(false);
    expect(spool.lines).toBe(10);
    await spool.close();
  });
});

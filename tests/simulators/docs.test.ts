import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { credentialsSchema, LINK_FAULTS } from '../../src/simulators/index.ts';

const doc = readFileSync(new URL('../../docs/simulators.md', import.meta.url), 'utf8');

describe('docs/simulators.md', () => {
  it("names the link faults as the simulators' code does", () => {
    const rows = [...doc.matchAll(/^\| all \| (\w+) \|/gm)].map((m) => m[1]);
    expect(rows).toEqual([...LINK_FAULTS]);
    // `heartbeat_lost` is the rules' record code; as a simulator fault it is a typo.
    for (const line of doc.split('\n').filter((l) => l.includes('heartbeat_lost')))
      expect(line).toMatch(/record `heartbeat_lost`/);
  });

  it('shows a credentials file the simulator reads', () => {
    const example = /`--credentials FILE` runs[\s\S]*?```json\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(credentialsSchema.safeParse(JSON.parse(example ?? 'null')).success).toBe(true);
  });
});

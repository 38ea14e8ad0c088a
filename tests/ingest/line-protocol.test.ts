import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MEASUREMENT_FIELDS, tagKeysOf, toLine } from '../../src/ingest/line-protocol.ts';
import { DEVICE_CHANNELS, decode, encode, PAYLOAD_SCHEMAS } from '../../src/protocol/index.ts';

function decoded(topic: string, payload: string) {
  const r = decode(topic, Buffer.from(payload));
  if (!r.ok) throw new Error(r.detail);
  return r.message;
}

describe('line protocol', () => {
  it('writes integers with i, floats bare, booleans t/f, strings quoted; tags sorted', () => {
    const m = encode({ site: 'east', kind: 'lift', deviceId: 'L1' }, 'telemetry', {
      ts: 1_700_000_000_000,
      seq: 3,
      floor: -1,
      direction: 'up',
      speed_mps: 2,
      door: 'closed',
      door_zone: false,
      occupied: true,
      mode: 'normal',
      door_cycles_total: 10,
      runs_total: 4,
    });
    const { measurement, line } = toLine(decoded(m.topic, m.payload), 1_700_000_000_000, 'T 1,a');
    expect(measurement).toBe('lift');
    expect(line).toBe(
      'lift,building=T\\ 1\\,a,device=L1,site=east seq=3i,floor=-1i,direction="up",speed_mps=2,door="closed",door_zone=f,occupied=t,mode="normal",door_cycles_total=10i,runs_total=4i 1700000000000',
    );
  });

  it('puts events under `event` with kind and code tags, escaping free text', () => {
    const m = encode({ site: 's', kind: 'pump', deviceId: 'P1' }, 'event', {
      seq: 9,
      code: 'pump_fault',
      pump: 2,
      detail: 'say "hi"\\ and\nbye',
    } as never);
    const { measurement, line } = toLine(decoded(m.topic, m.payload), 5);
    expect(measurement).toBe('event');
    expect(line).toBe(
      'event,code=pump_fault,device=P1,kind=pump,site=s seq=9i,state="raised",pump=2i,detail="say \\"hi\\"\\\\ and bye" 5',
    );
  });

  it('has tag keys per channel', () => {
    expect(DEVICE_CHANNELS.map(tagKeysOf)).toEqual([
      ['building', 'device', 'site'],
      ['building', 'code', 'device', 'kind', 'site'],
      ['building', 'device', 'kind', 'site'],
    ]);
  });
});

describe('docs/influxdb-schema.md', () => {
  const doc = readFileSync(new URL('../../docs/influxdb-schema.md', import.meta.url), 'utf8');
  it('documents every measurement and field with its type', () => {
    for (const [measurement, fields] of Object.entries(MEASUREMENT_FIELDS)) {
      expect(doc, measurement).toContain(`## \`${measurement}\``);
      for (const [field, type] of Object.entries(fields)) {
        expect(doc, `${measurement}.${field}`).toMatch(new RegExp(`\\| \`${field}\` \\| ${type} \\|`));
      }
    }
  });
  it('mentions every protocol payload field', () => {
    for (const channels of Object.values(PAYLOAD_SCHEMAS)) {
      for (const schema of Object.values(channels)) {
        for (const field of Object.keys((schema as unknown as { shape: object }).shape)) {
          expect(doc, field).toContain(`\`${field}\``);
        }
      }
    }
  });
});

/**
 * Rules' outbox (rules/outbox.ts) without servers: actions performed in order and retried while the
 * desk is away, a refusal dropped, the state saved before the messages are acknowledged; and the
 * meter sampler's counters reaching a fake desk behind the message's own faults.
 */
import { describe, expect, it } from 'vitest';
import { decode, encode } from '../../src/protocol/index.ts';
import { RecordsError } from '../../src/records/index.ts';
import type { ServiceDesk } from '../../src/records/service/index.ts';
import type { Action } from '../../src/rules/action.ts';
import { perform } from '../../src/rules/actions.ts';
import { MeterSampler } from '../../src/rules/meters.ts';
import { Outbox, type OutboxDeps, type StateRow } from '../../src/rules/outbox.ts';
import { silent } from './support.ts';

const recover = (deviceId: string): Action => ({
  type: 'recover',
  deviceId,
  fault: 'door_lock_fault',
  recoveredAt: 0,
  selfClose: false,
});

/** An outbox over a log of what happened, in order; `dirty` rows are taken by the next save. */
function harness(perform: OutboxDeps['perform']) {
  const events: string[] = [];
  const counters: Record<string, number> = {};
  const dirty: StateRow[] = [];
  const outbox = new Outbox({
    perform,
    takeDirty: () => dirty.splice(0),
    save: async (rows) => {
      events.push(`save ${rows.map((r) => r.id).join(',')}`);
    },
    retryMinMs: 1,
    retryMaxMs: 4,
    log: silent,
    count: (name, n = 1) => {
      counters[name] = (counters[name] ?? 0) + n;
    },
  });
  const changed = (id: string) => dirty.push({ id, state: {} });
  return { outbox, events, counters, changed, ack: (name: string) => () => events.push(`ack ${name}`) };
}

describe('Outbox', () => {
  it('performs in order through a desk that fails a while, saves, and only then acknowledges', async () => {
    let failures = 2;
    const h = harness(async (a) => {
      if (a.type === 'recover' && a.deviceId === 'A' && failures-- > 0) throw new Error('connection refused');
      h.events.push(`perform ${a.type === 'recover' ? a.deviceId : a.type}`);
    });
    h.outbox.push(recover('A'));
    h.outbox.push(recover('B'));
    h.changed('A');
    h.outbox.ack(h.ack('m1'));
    await h.outbox.idle();
    expect(h.events).toEqual(['perform A', 'perform B', 'save A', 'ack m1']);
    expect(h.counters.retries).toBe(2);
    expect(h.outbox.stuck(0)).toBeUndefined();
    expect([h.outbox.pending, h.outbox.unacked]).toEqual([0, 0]);
  });

  it('drops what the desk refuses and goes on with the next', async () => {
    const h = harness(async (a) => {
      if (a.type === 'recover' && a.deviceId === 'A')
        throw new RecordsError('invalid-input', 'no such fault');
      h.events.push(`perform ${a.type === 'recover' ? a.deviceId : a.type}`);
    });
    h.outbox.push(recover('A'));
    h.outbox.push(recover('B'));
    h.outbox.ack(h.ack('m1'));
    await h.outbox.idle();
    expect(h.events).toEqual(['perform B', 'ack m1']);
    expect(h.counters).toMatchObject({ dropped: 1 });
  });

  it('says it is down while the desk refuses, and on close leaves the message unacknowledged', async () => {
    const h = harness(async () => {
      throw new Error('connection refused');
    });
    h.outbox.push(recover('A'));
    h.outbox.ack(h.ack('m1'));
    expect(await h.outbox.idleWithin(20)).toBe(true);
    expect(h.counters.retries).toBeGreaterThan(0);
    expect(h.outbox.stuck(-1)).toMatchObject({ status: 'down' });
    expect(h.outbox.stuck(60_000)).toBeUndefined();
    h.outbox.close();
    await h.outbox.settled();
    expect(h.events).toEqual([]);
    expect(h.outbox.pending).toBe(1);
  });
});

describe('meter sampling into the desk', () => {
  /** An NVR's telemetry: its oldest disk's power-on hours drive a disk-replacement plan. */
  const nvr = (hours: number) => {
    const m = encode({ site: 's', kind: 'cctv', deviceId: 'N1' }, 'telemetry', {
      seq: hours,
      cameras_total: 16,
      cameras_online: 16,
      cameras_recording: 16,
      disks_total: 4,
      disks_failed: 0,
      disk_used_pct: 60,
      retention_days: 30,
      disk_power_on_hours_max: hours,
    });
    const r = decode(m.topic, Buffer.from(m.payload));
    if (!r.ok) throw new Error(r.detail);
    return r.message;
  };

  it('passes a device’s counters once per interval, behind its faults, retried while the desk is away', async () => {
    const noted: { deviceId: string; readings: Record<string, number>; at: Date }[] = [];
    const events: string[] = [];
    let away = 1;
    const desk = {
      noteMeters: async (m: (typeof noted)[number]) => {
        if (away-- > 0) throw new Error('connection refused');
        noted.push(m);
        events.push(`meters ${m.readings.disk_power_on_hours_max}`);
        return [];
      },
    } as unknown as ServiceDesk;
    const count = () => {};
    const outbox = new Outbox({
      perform: async (a) => {
        if (a.type === 'recover') return void events.push(`recover ${a.deviceId}`);
        await perform(a, { desk, lang: 'en', log: silent, count });
      },
      takeDirty: () => [],
      save: async () => {},
      retryMinMs: 1,
      retryMaxMs: 4,
      log: silent,
      count,
    });
    const meters = new MeterSampler(300_000);
    // The clock: one message a minute; the engine's recovery comes before the message's meters.
    for (let minute = 0; minute <= 6; minute++) {
      const at = minute * 60_000;
      if (minute === 0) outbox.push(recover('N1'));
      const m = meters.sample(nvr(1000 + minute), at);
      if (m) outbox.push(m);
    }
    await outbox.idle();
    expect(events).toEqual(['recover N1', 'meters 1000', 'meters 1005']);
    expect(noted).toEqual([
      { deviceId: 'N1', readings: { disk_power_on_hours_max: 1000 }, at: new Date(0) },
      { deviceId: 'N1', readings: { disk_power_on_hours_max: 1005 }, at: new Date(300_000) },
    ]);
  });
});

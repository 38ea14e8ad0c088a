/**
 * Commands end to end over real MQTT: the API queues, the sender publishes through the platform's
 * broker on loopback, simulated devices carry the command out and answer on their reply channel.
 */

import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandSender } from '../../src/device-commands/index.ts';
import { encodeCommand } from '../../src/protocol/index.ts';
import { getCommand } from '../../src/records/index.ts';
import { deviceClient, openRig, type Rig, SERVICE_SECRET, SITE, someId, waitUntil } from './support.ts';

describe('commands to devices over MQTT', () => {
  let rig: Rig;
  let sender: CommandSender;
  let engineer: string;
  let guard: string;
  const post = (token: string, device: string, body: object) =>
    rig.api.call(token, 'POST', `/devices/${device}/commands`, body);
  const state = async (id: string) => (await getCommand(rig.api.records.db, id))!;
  const ended = (id: string) => waitUntil(async () => !['queued', 'sent'].includes((await state(id)).state));

  beforeAll(async () => {
    rig = await openRig();
    sender = await rig.startSender();
    engineer = await rig.api.token(['engineer'], 'eng-1');
    guard = await rig.api.token(['guard'], 'guard-1');
  });
  afterAll(async () => rig?.close());

  it('report-now: the device publishes a reading at once and its answer is recorded', async () => {
    const res = await post(guard, 'L-1', { command: 'report-now' });
    expect(res.statusCode).toBe(202);
    const { id } = res.json();
    expect(res.json()).toMatchObject({ state: 'queued', requestedBy: 'guard-1', requestedRole: 'guard' });
    await ended(id);
    expect(await state(id)).toMatchObject({ state: 'answered', result: 'done', attempts: 1 });
    const own = rig.seen.filter((m) => m.topic.startsWith(`fm/${SITE}/lift/L-1/`));
    const reply = own.findIndex((m) => m.topic.endsWith('/reply') && m.payload.includes(id));
    expect(own[reply - 1]?.topic).toBe(`fm/${SITE}/lift/L-1/telemetry`);
    const list = await rig.api.call(guard, 'GET', '/devices/L-1/commands');
    expect(list.json().items[0]).toMatchObject({ id, state: 'answered', result: 'done' });
    expect(sender.counters.get('report-now', 'answered')).toBe(1);
  });

  it('reset: refused while nothing tripped; a tripped circuit recloses and the record keeps both', async () => {
    const refused = await post(engineer, 'LC-1', { command: 'reset' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('device-not-tripped');

    expect(rig.fleet.inject('LC-1', 'circuit_trip', 'raise')).toBe(true);
    const { record } = await rig.api.desk!.raiseDeviceFault({
      deviceId: 'LC-1',
      faultCode: 'circuit_trip',
      priority: 'urgent',
      trade: 'engineering',
      idempotencyKey: 'LC-1/circuit_trip/1',
      occurredAt: new Date(rig.api.clock.t),
    });
    const res = await post(engineer, 'LC-1', {
      command: 'reset',
      recordId: record.id,
      note: 'remote reclose',
    });
    expect(res.statusCode).toBe(202);
    const { id } = res.json();
    await ended(id);
    expect(await state(id)).toMatchObject({ state: 'answered', result: 'done', detail: 'breaker reclosed' });
    expect(rig.fleet.model('LC-1')!.faults()).not.toContain('circuit_trip');
    expect(rig.seen.some((m) => m.topic.endsWith('LC-1/event') && m.payload.includes('"cleared"'))).toBe(
      true,
    );

    const history = (await rig.api.desk!.getRecord(record.id)).history.filter((h) =>
      h.action.startsWith('device_command'),
    );
    expect(history.map((h) => [h.action, h.actorId])).toEqual([
      ['device_command', 'eng-1'],
      ['device_command_reply', 'LC-1'],
    ]);
    expect(history[1]!.data).toMatchObject({ commandId: id, command: 'reset', result: 'done' });
    expect(history.map((h) => h.note)).toEqual(['reset: remote reclose', 'reset: done (breaker reclosed)']);
  });

  it('refuses a command the kind does not take, a role that may not, an unknown and a revoked device', async () => {
    const wrongKind = await post(engineer, 'L-1', { command: 'reset' });
    expect([wrongKind.statusCode, wrongKind.json().error.code]).toEqual([400, 'command-not-supported']);
    expect(wrongKind.json().error.message).toContain('report-now');
    const role = await post(guard, 'LC-1', { command: 'reset' });
    expect([role.statusCode, role.json().error.code]).toEqual([403, 'forbidden']);
    const unknown = await post(engineer, 'NOPE-1', { command: 'report-now' });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'device-not-found']);
    const revoked = await post(engineer, 'LC-2', { command: 'report-now' });
    expect([revoked.statusCode, revoked.json().error.code]).toEqual([409, 'device-revoked']);
    const unknownList = await rig.api.call(guard, 'GET', '/devices/NOPE-1/commands');
    expect(unknownList.statusCode).toBe(404);
  });

  it('expires an unanswered command on the clock; a late answer is kept and counted, the state stays', async () => {
    const res = await post(engineer, 'P-9', { command: 'report-now' }); // no device connected
    const { id } = res.json();
    await waitUntil(async () => (await state(id)).state === 'sent');
    rig.api.clock.t += 121_000;
    await sender.poll();
    expect(await state(id)).toMatchObject({ state: 'expired', result: null });
    expect(sender.counters.get('report-now', 'expired')).toBe(1);

    const device = await deviceClient(rig.url, 'P-9');
    await device.publishAsync(`fm/${SITE}/pump/P-9/reply`, JSON.stringify({ id, result: 'done' }), {
      qos: 1,
    });
    await waitUntil(async () => (await state(id)).result === 'done');
    expect((await state(id)).state).toBe('expired');
    expect(sender.counters.get('report-now', 'late')).toBe(1);
    await device.endAsync();
  });

  it('hands a command to a device with a persistent session when it reconnects', async () => {
    const first = await deviceClient(rig.url, 'P-8', false);
    await first.subscribeAsync(`fm/${SITE}/pump/P-8/command`, { qos: 1 });
    await first.endAsync();
    const { id } = (await post(engineer, 'P-8', { command: 'report-now' })).json();
    await waitUntil(async () => (await state(id)).state === 'sent');

    const again = await deviceClient(rig.url, 'P-8', false);
    const received = await new Promise<Buffer>((resolve) => again.once('message', (_t, p) => resolve(p)));
    const command = JSON.parse(received.toString());
    expect(command).toMatchObject({ id, command: 'report-now' });
    expect(command.expires_at).toBeGreaterThan(rig.api.clock.t);
    await again.publishAsync(`fm/${SITE}/pump/P-8/reply`, JSON.stringify({ id, result: 'done' }), { qos: 1 });
    await ended(id);
    expect((await state(id)).state).toBe('answered');
    await again.endAsync();
  });

  it("ignores and counts a reply naming no command of its device, another device's command, or a repeat", async () => {
    const { id } = (await post(guard, 'L-1', { command: 'report-now' })).json();
    await ended(id);
    const before = sender.counters.ignored();
    const p9 = await deviceClient(rig.url, 'P-9');
    const reply = (body: object) =>
      p9.publishAsync(`fm/${SITE}/pump/P-9/reply`, JSON.stringify(body), { qos: 1 });
    await reply({ id: someId(), result: 'done' }); // unknown id
    await reply({ id, result: 'failed' }); // L-1's command
    await reply({ id: 'not an id!', result: 'done' }); // breaks the contract
    await waitUntil(() => {
      const now = sender.counters.ignored();
      return now.unknown === before.unknown + 2 && now.invalid === before.invalid + 1;
    });
    expect(await state(id)).toMatchObject({ state: 'answered', result: 'done' });
    // L-1 answers the same command again (as after a redelivery): a repeat, nothing changes.
    const l1 = rig.fleet.model('L-1')!;
    const c = await state(id);
    l1.command({ id, command: 'report-now', ts: c.createdAt.getTime(), expires_at: c.expiresAt.getTime() });
    await waitUntil(() => sender.counters.ignored().repeat === before.repeat + 1);
    await p9.endAsync();
  });

  it('a sender gone after publishing, before noting it: its successor records the answer once', async () => {
    await sender.stop();
    const { id } = (await post(guard, 'L-1', { command: 'report-now' })).json();
    const c = await state(id);
    // What the sender did before it died: the command is on the wire, the row still says queued.
    const wire = encodeCommand(
      { site: SITE, kind: 'lift', deviceId: 'L-1' },
      { id, command: 'report-now', ts: c.createdAt.getTime(), expires_at: c.expiresAt.getTime() },
    );
    const ghost = await mqtt.connectAsync(rig.url, {
      clientId: 'service.commands-ghost',
      username: 'service.commands',
      password: SERVICE_SECRET,
      reconnectPeriod: 0,
    });
    await ghost.publishAsync(wire.topic, wire.payload, { qos: 1 });
    await ghost.endAsync();
    const replies = () => rig.seen.filter((m) => m.topic.endsWith('L-1/reply') && m.payload.includes(id));
    await waitUntil(() => replies().length === 1);
    sender = await rig.startSender(); // its persistent session kept the reply
    await ended(id);
    expect(await state(id)).toMatchObject({ state: 'answered', result: 'done' });
    // Published again by the new sender or not (the reply may come first): every answer is the
    // first one, and a second is a counted repeat, never a second record.
    await waitUntil(() => sender.counters.ignored().repeat === replies().length - 1);
    expect(replies().every((m) => JSON.parse(m.payload).result === 'done')).toBe(true);
  });

  it('loses nothing queued while the sender is down: the next start publishes it', async () => {
    await sender.stop();
    const { id } = (await post(guard, 'L-1', { command: 'report-now' })).json();
    expect((await state(id)).state).toBe('queued');
    // Revoked after its command was accepted: the command fails instead of going out.
    const gone = (await post(engineer, 'P-8', { command: 'report-now' })).json().id;
    await rig.api.records.revokeDevice('P-8');
    sender = await rig.startSender();
    await ended(id);
    expect(await state(id)).toMatchObject({ state: 'answered', result: 'done', attempts: 1 });
    await ended(gone);
    expect(await state(gone)).toMatchObject({ state: 'failed', result: null, sentAt: null });
    expect((await state(gone)).lastError).toMatch(/revoked/);
    const families = sender.metrics().map((f) => f.name);
    expect(families).toEqual(
      expect.arrayContaining(['fm_commands_total', 'fm_commands_replies_ignored_total']),
    );
  });
});

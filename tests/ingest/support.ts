/**
 * Shared pieces of the ingest tests and benchmark: deterministic readings of every kind built with
 * protocol's `encode`, a rate-paced QoS 1 publisher, InfluxDB count helpers, and what the ingest
 * processes of the kill test and the benchmark share.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import type { Ingest } from '../../src/ingest/index.ts';
import { influxQuery, seriesRows } from '../../src/ingest/influx.ts';
import type { InfluxTarget, IngestOptions } from '../../src/ingest/options.ts';
import { type Encoded, encode, KINDS, type Kind } from '../../src/protocol/index.ts';

export interface SimDevice {
  site: string;
  kind: Kind;
  deviceId: string;
}

export function devicesFor(site: string, perKind: number): SimDevice[] {
  return KINDS.flatMap((kind) =>
    Array.from({ length: perKind }, (_, i) => ({
      site,
      kind,
      deviceId: `${kind}-${String(i + 1).padStart(3, '0')}`,
    })),
  );
}

/** Telemetry reading `seq` of a device; values depend only on (device, seq), so a test can recompute them. */
export function telemetry(d: SimDevice, seq: number, ts: number): Encoded {
  const f = (seq % 97) / 97;
  switch (d.kind) {
    case 'lift':
      return encode(d, 'telemetry', {
        ts,
        seq,
        floor: (seq % 30) - 2,
        direction: (['up', 'down', 'stopped'] as const)[seq % 3]!,
        speed_mps: Math.round(f * 250) / 100,
        door: (['open', 'opening', 'closing', 'closed'] as const)[seq % 4]!,
        door_zone: seq % 2 === 0,
        occupied: seq % 5 === 0,
        load_kg: seq % 7 === 0 ? undefined : Math.round(f * 800),
        mode: 'normal',
        door_cycles_total: 1000 + seq * 2,
        runs_total: 500 + seq,
      });
    case 'pump':
      return encode(d, 'telemetry', {
        ts,
        seq,
        inlet_pressure_mpa: 0.2,
        outlet_pressure_mpa: 0.35 + f / 10,
        flow_m3ph: 12.5 + f,
        tank_level_m: 3,
        pumps_total: 3,
        pumps_running: 1 + (seq % 2),
        duty_pump: 1 + (seq % 3),
        frequency_hz: 42.5,
        current_a: 18 + f,
        residual_chlorine_mgpl: 0.4,
        turbidity_ntu: 0.2,
        flood_detected: false,
      });
    case 'lighting':
      return encode(d, 'telemetry', {
        ts,
        seq,
        on: seq % 2 === 1,
        mode: 'schedule',
        current_a: seq % 2 === 1 ? 8 + f : 0,
        voltage_v: 230,
        lamps_total: 40,
        lamps_failed: seq % 3,
        ambient_lux: 5 + f * 100,
        energy_kwh: 1000 + seq / 10,
        emergency_battery_v: 12.6,
      });
    case 'cctv':
      return encode(d, 'telemetry', {
        ts,
        seq,
        cameras_total: 32,
        cameras_online: 32 - (seq % 2),
        cameras_recording: 31,
        disks_total: 4,
        disks_failed: 0,
        disk_used_pct: 60 + f,
        retention_days: 30,
      });
  }
}

/** One event and one status message for a device. */
export function eventAndStatus(d: SimDevice, seq: number, ts: number): Encoded[] {
  const codes = { lift: 'entrapment', pump: 'pump_fault', lighting: 'circuit_trip', cctv: 'tamper' } as const;
  return [
    encode(d, 'event', {
      ts,
      seq,
      code: codes[d.kind],
      state: 'raised',
      detail: 'test "quoted", comma, = sign',
    } as never),
    encode(d, 'status', { ts, seq, state: 'online', firmware: 'v1.2.3', interval_s: 10 }),
  ];
}

export async function connectPublisher(
  url: string,
  clientId = `pub-${process.pid}-${Math.random()}`,
): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    clientId,
    username: 'test-publisher',
    protocolVersion: 4,
    reconnectPeriod: 200,
  });
}

/**
 * Publishes at about `ratePerS` with QoS 1 and resolves when the broker acknowledged them all.
 * `next(i)` gives message i, or undefined to end.
 */
export async function publishPaced(
  client: MqttClient,
  ratePerS: number,
  next: (i: number) => Encoded | undefined,
  signal?: { stop: boolean },
): Promise<number> {
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  let i = 0;
  for (;;) {
    const due = Math.floor(((performance.now() - started) / 1000) * ratePerS);
    let ended = false;
    while (i < due) {
      const m = next(i);
      if (!m || signal?.stop) {
        ended = true;
        break;
      }
      pending.push(client.publishAsync(m.topic, m.payload, { qos: 1 }));
      i++;
    }
    if (ended) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all(pending);
  return i;
}

export function v1Target(url: string, database: string): InfluxTarget {
  return { mode: 'v1', url, database };
}

/** `SELECT count(field) FROM measurement` over all time, optionally per device. */
export async function countPoints(
  target: InfluxTarget,
  measurement: string,
  field = 'seq',
  where = '',
): Promise<number> {
  const rows = seriesRows(
    await influxQuery(
      target,
      `SELECT count("${field}") FROM "${measurement}" ${where ? `WHERE ${where}` : ''}`,
    ),
  );
  return Number(rows[0]?.count ?? 0);
}

export async function waitFor(
  what: string | (() => string),
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Ingest's batch size and memory bound when FM_TEST_BATCH_SIZE / FM_TEST_MEMORY_LINES set them. */
export function sizesFromEnv(
  env: NodeJS.ProcessEnv,
): Partial<Pick<IngestOptions, 'batchSize' | 'memoryLines'>> {
  return {
    ...(env.FM_TEST_BATCH_SIZE ? { batchSize: Number(env.FM_TEST_BATCH_SIZE) } : {}),
    ...(env.FM_TEST_MEMORY_LINES ? { memoryLines: Number(env.FM_TEST_MEMORY_LINES) } : {}),
  };
}

/**
 * Writes ingest's counters to `<dataDir>/counters.json` now and every `everyMs`, for a process
 * outside to read; renamed into place so a reader never sees half a file.
 */
export function saveCountersEvery(ingest: Ingest, dataDir: string, everyMs: number) {
  const save = () => {
    writeFileSync(join(dataDir, 'counters.json.tmp'), JSON.stringify(ingest.counters()));
    renameSync(join(dataDir, 'counters.json.tmp'), join(dataDir, 'counters.json'));
  };
  save();
  return { save, timer: setInterval(save, everyMs) };
}

/** Status, last readings and history through the injected InfluxQL function; 503 without one. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InfluxQuery } from '../../src/api/index.ts';
import { ADMIN, openTestApi, type TestApi } from './support.ts';

describe('device status and history', () => {
  let t: TestApi;
  const queries: string[] = [];
  let fail = false;
  const influx: InfluxQuery = async (q) => {
    queries.push(q);
    if (fail) throw new Error('connect ECONNREFUSED 127.0.0.1:8086 token=secret');
    if (q.includes('FROM "status"')) {
      return [
        {
          name: 'status',
          columns: ['time', 'state'],
          values: [[Date.parse('2025-03-03T00:59:00Z'), 'online']],
        },
      ];
    }
    if (q.includes('ORDER BY time DESC')) {
      return [
        {
          name: 'lift',
          columns: ['time', 'building', 'device', 'site', 'speed_mps', 'door'],
          values: [[Date.parse('2025-03-03T00:59:55Z'), 'T1', 'L1', 's1', 1.5, 'closed']],
        },
      ];
    }
    return [
      {
        name: 'lift',
        columns: ['time', 'speed_mps'],
        values: [
          [Date.parse('2025-03-03T00:00:00Z'), 0],
          [Date.parse('2025-03-03T00:00:10Z'), 1],
          [Date.parse('2025-03-03T00:00:20Z'), 1.5],
        ],
      },
    ];
  };

  beforeAll(async () => {
    t = await openTestApi({ deps: { influx } });
    await t.call(ADMIN, 'POST', '/sites', { id: 's1', name: 'S' });
    await t.call(ADMIN, 'POST', '/devices', { id: 'L1', site: 's1', kind: 'lift', intervalS: 10 });
  });
  afterAll(async () => t?.close());

  it('answers status and the last readings', async () => {
    const res = await t.call(ADMIN, 'GET', '/devices/L1/status-and-last-readings');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: 'online',
      statusAt: '2025-03-03T00:59:00.000Z',
      lastReadingAt: '2025-03-03T00:59:55.000Z',
      heartbeatLost: false,
      readings: { speed_mps: 1.5, door: 'closed' },
    });
    t.clock.t += 60_000;
    expect((await t.call(ADMIN, 'GET', '/devices/L1/status-and-last-readings')).json().heartbeatLost).toBe(
      true,
    );
  });

  it('answers history for a range and fields, and says when it is truncated', async () => {
    const res = await t.call(
      ADMIN,
      'GET',
      '/devices/L1/history?from=2025-03-03T00:00:00Z&to=2025-03-03T01:00:00Z&fields=speed_mps&limit=2',
    );
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ deviceId: 'L1', truncated: true });
    expect(res.json().points).toEqual([
      { time: '2025-03-03T00:00:00.000Z', speed_mps: 0 },
      { time: '2025-03-03T00:00:10.000Z', speed_mps: 1 },
    ]);
    expect(queries.at(-1)).toBe(
      `SELECT "speed_mps" FROM "lift" WHERE "device" = 'L1' AND time >= '2025-03-03T00:00:00.000Z' AND time < '2025-03-03T01:00:00.000Z' ORDER BY time ASC LIMIT 3`,
    );
  });

  it('refuses bad ranges and field names with the field named', async () => {
    const bad = await t.call(ADMIN, 'GET', '/devices/L1/history?from=yesterday');
    expect(bad.json().error).toMatchObject({ code: 'invalid-input', field: 'query.from' });
    const inj = await t.call(
      ADMIN,
      'GET',
      `/devices/L1/history?from=2025-03-03T00:00:00Z&fields=${encodeURIComponent('x" OR 1=1')}`,
    );
    expect(inj.json().error.field).toBe('query.fields');
    const order = await t.call(
      ADMIN,
      'GET',
      '/devices/L1/history?from=2025-03-03T01:00:00Z&to=2025-03-03T00:00:00Z',
    );
    expect(order.json().error.field).toBe('query.to');
    expect((await t.call(ADMIN, 'GET', '/devices/nope/history?from=2025-03-03T00:00:00Z')).statusCode).toBe(
      404,
    );
  });

  it('answers 503 history-unavailable, without internals, when InfluxDB fails', async () => {
    fail = true;
    const res = await t.call(ADMIN, 'GET', '/devices/L1/status-and-last-readings');
    fail = false;
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('history-unavailable');
    expect(res.body).not.toMatch(/ECONNREFUSED|secret/);
  });

  it('answers 503 history-unavailable when no InfluxDB is configured', async () => {
    const bare = await openTestApi();
    await bare.call(ADMIN, 'POST', '/sites', { id: 's1', name: 'S' });
    await bare.call(ADMIN, 'POST', '/devices', { id: 'L1', site: 's1', kind: 'lift' });
    for (const url of [
      '/devices/L1/status-and-last-readings',
      '/devices/L1/history?from=2025-03-03T00:00:00Z',
    ]) {
      const res = await bare.call(ADMIN, 'GET', url);
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toMatchObject({ code: 'history-unavailable' });
      expect(res.json().error.message).toMatch(/no InfluxDB is configured/);
    }
    await bare.close();
  });
});

/**
 * Device status, last readings and history: from InfluxDB through the injected query, or without
 * it from the last hour ingest keeps in memory.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { dateOf } from '../../clock.ts';
import type { ApiContext } from '../context.ts';
import { ApiError } from '../errors.ts';
import { type ReadingsSource, TAGS } from '../history.ts';
import { ANY_ROLE } from '../roles.ts';
import { commonErrors, deviceParams, errorBody, notFound } from '../schemas/common.ts';
import { deviceStatus, history, historyQuery as historyParams } from '../schemas/devices.ts';
import { siteLookups } from '../site-lookups.ts';

const tags = ['devices'];
const unavailable = { 503: errorBody };

function requireReadings(readings: ReadingsSource | undefined): ReadingsSource {
  if (readings) return readings;
  throw new ApiError(
    503,
    'history-unavailable',
    'readings are not kept: no InfluxDB is configured, so device status, last readings and history cannot be answered',
  );
}

/** The store failed (InfluxDB down, bad credentials): the caller can only retry; the log has why. */
async function run<T>(query: () => Promise<T>, log: FastifyBaseLogger): Promise<T> {
  try {
    return await query();
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'readings query failed: answering 503 history-unavailable');
    throw new ApiError(503, 'history-unavailable', 'the readings store did not answer; try again shortly');
  }
}

type Reading = number | string | boolean | null;
const asReading = (v: unknown): Reading =>
  typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' ? v : null;

export const deviceHistoryRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  const at = siteLookups(ctx.records.db);
  app.get(
    '/devices/:id/status-and-last-readings',
    {
      config: { roles: ANY_ROLE, sites: at.device },
      schema: {
        tags,
        summary:
          'Online status (retained status message) and the last telemetry (InfluxDB, or the last hour in memory without it)',
        params: deviceParams,
        response: { 200: deviceStatus, ...commonErrors, ...notFound, ...unavailable },
      },
    },
    async (request) => {
      const device = await ctx.records.getDevice(request.params.id);
      const readings = requireReadings(ctx.readings);
      const [status, last] = await Promise.all([
        run(() => readings.lastStatus(device), request.log),
        run(() => readings.lastReading(device), request.log),
      ]);
      const values: Record<string, Reading> = {};
      for (const [k, v] of Object.entries(last ?? {})) {
        if (k !== 'time' && !TAGS.has(k)) values[k] = asReading(v);
      }
      const lastAt = last?.time ?? null;
      const state = status?.state;
      const online: 'online' | 'offline' | 'unknown' =
        state === 'online' || state === 'offline' ? state : 'unknown';
      return {
        device,
        status: online,
        statusAt: status?.time ?? null,
        lastReadingAt: lastAt,
        heartbeatLost:
          !device.revokedAt && (!lastAt || ctx.now() - lastAt.getTime() > 3 * device.intervalS * 1000),
        readings: values,
      };
    },
  );

  app.get(
    '/devices/:id/history',
    {
      config: { roles: ANY_ROLE, sites: at.device },
      schema: {
        tags,
        summary: 'Readings between from and to, oldest first (without InfluxDB: the last hour only)',
        params: deviceParams,
        querystring: historyParams,
        response: { 200: history, ...commonErrors, ...notFound, ...unavailable },
      },
    },
    async (request) => {
      const device = await ctx.records.getDevice(request.params.id);
      const readings = requireReadings(ctx.readings);
      const { from, limit } = request.query;
      const to = request.query.to ?? dateOf(ctx.now);
      const fields = request.query.fields?.split(',');
      // One more than asked tells whether the range held more.
      const rows = await run(
        () => readings.history(device, { from, to, fields, limit: limit + 1 }),
        request.log,
      );
      const points = rows.slice(0, limit).map(({ time, ...rest }) => {
        const point: Record<string, Reading | Date> = { time };
        for (const [k, v] of Object.entries(rest)) if (!TAGS.has(k)) point[k] = asReading(v);
        return point;
      });
      return { deviceId: device.id, from, to, points, truncated: rows.length > limit };
    },
  );
};

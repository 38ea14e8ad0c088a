/**
 * What a record page's script needs of the procedure: each action's form (its payload schema as
 * JSON Schema, from the desk's own zod schemas) and the guards' alert steps. Which actions a person
 * may take is the API's answer (GET /records/:id/allowed-actions), not worked out here.
 */
import { z } from 'zod';
import {
  ACTION_PAYLOADS,
  ALERT_TRANSITIONS,
  PRIORITIES,
  RECORD_TYPES,
  SOURCES,
  STATES,
  TRADES,
} from '../../records/service/index.ts';
import { ALERT_ACTORS } from '../roles.ts';

function schemaOf(t: z.ZodType): unknown {
  const { $schema: _, ...rest } = z.toJSONSchema(t, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

let cached: unknown;

export function procedure() {
  cached ??= {
    forms: Object.fromEntries(Object.entries(ACTION_PAYLOADS).map(([a, s]) => [a, schemaOf(s as z.ZodType)])),
    alertSteps: Object.fromEntries(
      Object.entries(ALERT_TRANSITIONS).map(([a, r]) => [
        a,
        { from: r.from, needsNote: r.needsNote ?? false },
      ]),
    ),
    alertRoles: ALERT_ACTORS,
    states: STATES,
    types: RECORD_TYPES,
    trades: TRADES,
    priorities: PRIORITIES,
    sources: SOURCES,
  };
  return cached;
}

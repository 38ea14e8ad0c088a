import { z } from 'zod';
import { ID_PATTERN } from '../../protocol/index.ts';

/** Site, building, area and device ids, as the MQTT contract defines them. */
export const id = z.string().regex(ID_PATTERN, 'must be 1-64 of A-Z a-z 0-9 _ -');

/** Every 4xx/5xx body: `{ error: { code, message, field? } }`; 5xx add the request id to quote. */
export const errorBody = z
  .object({
    error: z.object({
      code: z.string().describe('stable, for clients to switch on'),
      message: z.string(),
      field: z.string().optional().describe('the offending input, e.g. body.site or query.limit'),
      requestId: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** The error responses every authenticated route may give. */
export const authErrors = { 401: errorBody, 403: errorBody, 429: errorBody, 500: errorBody } as const;
export const commonErrors = { 400: errorBody, ...authErrors } as const;
export const notFound = { 404: errorBody } as const;
export const conflict = { 409: errorBody } as const;

/** Query-string booleans: "true"/"false"/"1"/"0"... */
export const flag = z.stringbool();

/** An ISO 8601 instant with offset, parsed to a Date. */
export const instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const siteParams = z.object({ site: id });
/** `:id` of a row the database numbers (a PostgreSQL integer). */
export const serialParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
export const deviceParams = z.object({ id });

import { z } from 'zod';

/**
 * Settings of the API. The entry point maps its configuration onto these (FM_API_* and
 * FM_ADMIN_TOKEN); tests pass them directly. Every field has a default except `dataDir`.
 */
export interface ApiOptions {
  /** Interface to listen on. Loopback by default: widen it only behind a TLS-terminating proxy. */
  host?: string;
  /** TCP port; 0 picks a free one (tests). Default 8080. */
  port?: number;
  /** Directory where a generated first admin token is written once (`<dataDir>/admin-token`, mode 0600). */
  dataDir: string;
  /**
   * The first admin's bearer token (FM_ADMIN_TOKEN), at least 32 characters. Unset: one is
   * generated on first start and written to `<dataDir>/admin-token`. Never logged in full.
   */
  adminToken?: string;
  /** Largest request body accepted, bytes; larger ones get 413. Default 256 KiB. */
  bodyLimitBytes?: number;
  /** Requests one client address may make per `rateLimitWindowMs`; 0 turns the limit off. Default 1200. */
  rateLimitMax?: number;
  /** Rate limit window, milliseconds. Default 60,000. */
  rateLimitWindowMs?: number;
  /** Trust X-Forwarded-For from a reverse proxy (the rate limit then counts the real client). Default false. */
  trustProxy?: boolean;
  /** Seconds between SSE heartbeats on /stream, so proxies and the desk screen notice a dead link. Default 15. */
  sseHeartbeatS?: number;
  /** Most concurrent /stream clients; more are refused with 503. Default 100. */
  sseMaxClients?: number;
  /** On stop, how long in-flight requests may take before their connections are cut, ms. Default 10,000. */
  shutdownGraceMs?: number;
  /** Serve the browsable OpenAPI page at /docs. Default true (the document at /openapi.json is always served). */
  docs?: boolean;
  /** How long a command to a device waits for its answer before it expires, ms. Default 120,000. */
  commandTtlMs?: number;
  /** The web console under `/` (docs/console.md). */
  console?: {
    /** Serve the console and accept its sessions. Default true. */
    enabled?: boolean;
    /** A session's absolute lifetime, ms. Default 12 h (a shift). */
    sessionTtlMs?: number;
    /** A session ends after this long without a request, ms. Default 4 h. */
    sessionIdleMs?: number;
    /**
     * The scrypt cost of new staff password hashes. Default N 2^16, r 8, p 1 (console/passwords.ts
     * says why); no setting, since a weaker one only helps whoever copies the table. Tests lower it.
     */
    passwordCost?: { N: number; r: number; p: number };
  };
}

export const apiOptionsSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(8080),
  dataDir: z.string().min(1),
  adminToken: z.string().min(32, 'FM_ADMIN_TOKEN must be at least 32 characters').optional(),
  bodyLimitBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(256 * 1024),
  rateLimitMax: z.number().int().min(0).default(1200),
  rateLimitWindowMs: z.number().int().min(1000).default(60_000),
  trustProxy: z.boolean().default(false),
  sseHeartbeatS: z.number().min(0.05).max(3600).default(15),
  sseMaxClients: z.number().int().min(1).default(100),
  shutdownGraceMs: z.number().int().min(0).default(10_000),
  docs: z.boolean().default(true),
  commandTtlMs: z.number().int().min(1000).max(86_400_000).default(120_000),
  console: z
    .object({
      enabled: z.boolean().default(true),
      sessionTtlMs: z
        .number()
        .int()
        .min(60_000)
        .default(12 * 3600_000),
      sessionIdleMs: z
        .number()
        .int()
        .min(60_000)
        .default(4 * 3600_000),
      passwordCost: z
        .object({ N: z.number().int().min(2), r: z.number().int().min(1), p: z.number().int().min(1) })
        .optional(),
    })
    .prefault({}),
});

export type ResolvedApiOptions = z.output<typeof apiOptionsSchema>;

/** Applies the defaults; throws a readable error naming each bad option. */
export function resolveApiOptions(options: ApiOptions): ResolvedApiOptions {
  const result = apiOptionsSchema.safeParse(options);
  if (!result.success) throw new Error(`bad API options: ${z.prettifyError(result.error)}`);
  return result.data;
}

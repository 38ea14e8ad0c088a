/**
 * Platform config -> ApiOptions. Typed structurally on the FM_API_* / FM_CONSOLE_* settings, as
 * ingest's and rules' are, so the API imports no config module and a test can map a config alone.
 */
import type { ApiOptions } from './options.ts';

export interface ApiConfig {
  FM_DATA_DIR: string;
  FM_ADMIN_TOKEN?: string;
  FM_API_HOST: string;
  FM_API_PORT: number;
  FM_API_BODY_LIMIT_BYTES: number;
  FM_API_RATE_LIMIT: number;
  FM_API_RATE_WINDOW_S: number;
  FM_API_TRUST_PROXY: boolean;
  FM_API_SSE_HEARTBEAT_S: number;
  FM_API_SSE_MAX_CLIENTS: number;
  FM_API_SHUTDOWN_GRACE_S: number;
  FM_API_DOCS: boolean;
  FM_CONSOLE_SESSION_HOURS: number;
  FM_CONSOLE_IDLE_HOURS: number;
  FM_COMMAND_TTL_S: number;
}

export function apiOptionsFromConfig(c: ApiConfig): ApiOptions {
  return {
    host: c.FM_API_HOST,
    port: c.FM_API_PORT,
    dataDir: c.FM_DATA_DIR,
    adminToken: c.FM_ADMIN_TOKEN,
    bodyLimitBytes: c.FM_API_BODY_LIMIT_BYTES,
    rateLimitMax: c.FM_API_RATE_LIMIT,
    rateLimitWindowMs: c.FM_API_RATE_WINDOW_S * 1000,
    trustProxy: c.FM_API_TRUST_PROXY,
    sseHeartbeatS: c.FM_API_SSE_HEARTBEAT_S,
    sseMaxClients: c.FM_API_SSE_MAX_CLIENTS,
    shutdownGraceMs: c.FM_API_SHUTDOWN_GRACE_S * 1000,
    docs: c.FM_API_DOCS,
    commandTtlMs: c.FM_COMMAND_TTL_S * 1000,
    console: {
      sessionTtlMs: c.FM_CONSOLE_SESSION_HOURS * 3600_000,
      sessionIdleMs: c.FM_CONSOLE_IDLE_HOURS * 3600_000,
    },
  };
}

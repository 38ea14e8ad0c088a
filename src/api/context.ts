import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Clock } from '../clock.ts';
import type { ServiceProbe } from '../health.ts';
import type { RejectedMessage } from '../ingest/index.ts';
import type { Logger } from '../log.ts';
import type { Records } from '../records/index.ts';
import type { ChangeFeed } from './changes.ts';
import type { ServiceDesk } from './desk.ts';
import type { EmqxAuth } from './emqx.ts';
import type { ReadingsSource } from './history.ts';
import type { ResolvedApiOptions } from './options.ts';
import type { HttpMetrics } from './plugins/metrics.ts';
import type { StreamTickets } from './stream-tickets.ts';
import type { TokenStore } from './tokens.ts';

/** What route modules receive as plugin options: the app's collaborators, resolved once. */
export interface ApiContext {
  records: Records;
  desk: ServiceDesk | undefined;
  tokens: TokenStore;
  /** One-time tickets that open GET /stream without an Authorization header. */
  streamTickets: StreamTickets;
  log: Logger;
  now: Clock;
  options: ResolvedApiOptions;
  /** Where device readings are read from; undefined when they are not kept at all. */
  readings: ReadingsSource | undefined;
  /** The platform's services running beside the API: their health and counters. */
  services: readonly ServiceProbe[];
  ingestRejects: (() => RejectedMessage[]) | undefined;
  httpMetrics: HttpMetrics;
  changes: ChangeFeed;
  /** EMQX's HTTP authentication and authorization; undefined without a service secret. */
  emqx?: EmqxAuth;
}

/** The app as built: fastify with the zod type provider. */
export type App = FastifyInstance<
  RawServerDefault,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

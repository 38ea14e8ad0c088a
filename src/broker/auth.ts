import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { DeviceDirectory } from '../records/index.ts';
import type { FailureBans, FlapDetector } from './bans.ts';
import type { BrokerStats, RefusalReason } from './counters.ts';
import { remoteAddress } from './framing.ts';
import { createCredentialCheck, NOT_AUTHORIZED, type Verdict } from './identity.ts';
import type { Principal } from './permissions.ts';

export { SecretChecker } from './identity.ts';
export type { Principal } from './permissions.ts';

export const principals = new WeakMap<Client, Principal>();

/** A failed authentication from an address over its limit is answered this late. */
export const TARPIT_MS = 2000;

export interface AuthDeps {
  devices: DeviceDirectory;
  serviceSecret: string;
  stats: BrokerStats;
  flapping: FlapDetector;
  failures: FailureBans;
  log: Logger;
  now: Clock;
  /** TARPIT_MS unless set (tests). */
  tarpitMs?: number;
}

function refusal(code: number, reason: RefusalReason): AuthenticateError {
  return Object.assign(new Error(reason), { returnCode: code }) as AuthenticateError;
}

/** aedes's authenticate hook: the shared credential check (identity.ts), then this broker's bans. */
export function createAuthenticate(deps: AuthDeps): NonNullable<AedesOptions['authenticate']> {
  const { stats, flapping, failures, now, tarpitMs = TARPIT_MS } = deps;
  const check = createCredentialCheck(deps);

  return (client, username, password, done) => {
    const id = client.id;
    const refuse = (code: number, reason: RefusalReason, detail?: Record<string, unknown>) => {
      stats.refuse(reason, id, { username, ...detail });
      done(refusal(code, reason), false);
    };
    const decide = (verdict: Verdict) => {
      if (!verdict.ok) {
        if (!verdict.failed) return refuse(verdict.code, verdict.reason, verdict.detail);
        // A failed authentication counts against the address it came from, never against the
        // identity it claimed: nobody can lock a device or a service out by failing in its name.
        const address = remoteAddress(client.conn, client.req) ?? 'unknown';
        if (!failures.count(address, now())) return refuse(verdict.code, verdict.reason, verdict.detail);
        stats.refuse('address-ban', id, { username, address, failed: verdict.reason });
        setTimeout(() => done(refusal(NOT_AUTHORIZED, 'address-ban'), false), tarpitMs);
        return;
      }
      // Services are never banned for flapping: their reconnects are the platform's own, reported
      // by its health, and device traffic can never count against them. A device's connect counts
      // towards its flapping allowance only once its identity is proven.
      if (verdict.principal.type === 'device' && flapping.count(id, now()))
        return refuse(NOT_AUTHORIZED, 'flapping-ban');
      principals.set(client, verdict.principal);
      done(null, true);
    };
    const verdict = check(id, username, password);
    if (verdict instanceof Promise) verdict.then(decide);
    else decide(verdict);
  };
}

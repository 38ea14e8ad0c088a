/**
 * One-time tickets for opening GET /stream from a browser: `EventSource` cannot send an
 * Authorization header, and a bearer token in a URL would end up in proxy and server logs. A
 * ticket is issued to a caller who has a token, opens one stream within a minute, and is then gone.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';
import type { Principal } from './tokens.ts';

export const TICKET_TTL_MS = 60_000;
/** Outstanding tickets kept at most; the oldest go first (a screen asks for one per connect). */
const MAX_TICKETS = 10_000;

export class StreamTickets {
  readonly #tickets = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(private readonly now: Clock) {}

  issue(principal: Principal): { ticket: string; expiresAt: Date } {
    const now = this.now();
    if (this.#tickets.size >= MAX_TICKETS) this.#prune(now);
    const ticket = randomBytes(24).toString('base64url');
    const expiresAt = now + TICKET_TTL_MS;
    this.#tickets.set(ticket, { principal, expiresAt });
    return { ticket, expiresAt: new Date(expiresAt) };
  }

  /** The ticket's holder, once: a used, unknown or expired ticket gives undefined. */
  take(ticket: string): Principal | undefined {
    const entry = this.#tickets.get(ticket);
    if (!entry) return undefined;
    this.#tickets.delete(ticket);
    return entry.expiresAt > this.now() ? entry.principal : undefined;
  }

  #prune(now: number): void {
    for (const [t, e] of this.#tickets) if (e.expiresAt <= now) this.#tickets.delete(t);
    while (this.#tickets.size >= MAX_TICKETS) this.#tickets.delete(this.#tickets.keys().next().value!);
  }
}

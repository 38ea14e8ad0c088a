/**
 * The one clock type of the platform: wall-clock time as epoch milliseconds. Every service takes
 * one as an option so tests can pass a fake; nothing in src/ calls `Date.now()` but `systemClock`.
 * A number rather than a Date because the broker and ingest read the clock per connection and
 * per reading; the desk turns it into a Date where it writes one (`dateOf`).
 *
 * Durations measured within a process (timeouts, latency, session health) use the monotonic
 * `performance.now()` instead, which no wall-clock step can move.
 */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();

/** The clock's time as a Date, for SQL parameters and ISO strings. */
export function dateOf(clock: Clock): Date {
  return new Date(clock());
}

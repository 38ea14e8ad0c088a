/**
 * Record, alert and breach changes for the live stream, fed by the desk's change events (so faults
 * that rules/ raise in-process show up as well as the API's own changes; on PostgreSQL also those of
 * every other replica and rules worker, relayed by the desk: records/service/shared-changes.ts).
 * One failing listener never stops the others.
 */
import type { Logger } from '../log.ts';
import type { DeskEvent } from '../records/service/index.ts';

export interface Change {
  /** The SSE event name. */
  event: 'record' | 'alert' | 'breach';
  site: string;
  data: unknown;
}

/** A desk event as the front-desk screen gets it: who did what, and the record or alert after it. */
export function toChange(e: DeskEvent): Change {
  if (e.type === 'record') {
    return {
      event: 'record',
      site: e.record.site,
      data: { action: e.action, actor: e.actor.id, record: e.record },
    };
  }
  if (e.type === 'alert') {
    return {
      event: 'alert',
      site: e.alert.site,
      data: { action: e.action, actor: e.actor.id, alert: e.alert },
    };
  }
  return { event: 'breach', site: e.breach.site, data: { breach: e.breach, notify: e.notify } };
}

type Listener = (change: Change) => void;

export class ChangeFeed {
  private readonly listeners = new Map<Listener, () => void>();

  constructor(private readonly log: Logger) {}

  get size(): number {
    return this.listeners.size;
  }

  /** `onClose` runs when the app shuts down, so streams end cleanly. Returns the unsubscribe. */
  subscribe(listener: Listener, onClose: () => void): () => void {
    this.listeners.set(listener, onClose);
    return () => {
      this.listeners.delete(listener);
    };
  }

  publish(change: Change): void {
    for (const listener of this.listeners.keys()) {
      try {
        listener(change);
      } catch (err) {
        this.log.warn({ err }, 'change listener failed');
      }
    }
  }

  /** Ends every subscription (shutdown). */
  close(): void {
    const closers = [...this.listeners.values()];
    this.listeners.clear();
    for (const close of closers) close();
  }
}

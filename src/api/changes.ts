/**
 * Record and alert changes for the live stream. The desk's own change events feed it when it has
 * them (so faults raised by rules/ show up too); one failing listener never stops the others.
 */
import type { Logger } from '../log.ts';

export interface Change {
  subject: 'record' | 'alert';
  id: number;
  site: string;
  /** The state after the change. */
  state: string;
  /** What happened: created, merged, or the action taken. */
  action: string;
  at: Date;
}

type Listener = (change: Change) => void;

export class ChangeFeed {
  private readonly listeners = new Set<Listener>();
  private readonly closers = new Set<() => void>();

  constructor(private readonly log: Logger) {}

  get size(): number {
    return this.listeners.size;
  }

  /** `onClose` runs when the app shuts down, so streams can end cleanly. */
  subscribe(listener: Listener, onClose: () => void): () => void {
    this.listeners.add(listener);
    this.closers.add(onClose);
    return () => {
      this.listeners.delete(listener);
      this.closers.delete(onClose);
    };
  }

  publish(change: Change): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.log.warn({ err }, 'change listener failed');
      }
    }
  }

  /** Ends every subscription (shutdown). */
  close(): void {
    for (const close of [...this.closers]) close();
    this.listeners.clear();
    this.closers.clear();
  }
}

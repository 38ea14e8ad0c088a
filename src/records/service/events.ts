/** Changes the front-desk screen streams (the API relays them as server-sent events). */
import type { Logger } from '../../log.ts';
import type { Breach } from './sla.ts';
import type { Actor, PatrolAlert, ServiceRecord } from './types.ts';

export type DeskEvent =
  | { type: 'record'; action: string; actor: Actor; record: ServiceRecord }
  | { type: 'alert'; action: string; actor: Actor; alert: PatrolAlert }
  /** A deadline passed: `notify` is who the procedure says must hear of it (the trade supervisor, managers). */
  | { type: 'breach'; breach: Breach; notify: string[] };

export type DeskListener = (event: DeskEvent) => void;

/** Listeners are called in order; one that throws is logged and never stops the others or the caller. */
export function createEmitter(log: Logger) {
  const listeners = new Set<DeskListener>();
  return {
    on(listener: DeskListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event: DeskEvent): void {
      for (const l of listeners) {
        try {
          l(event);
        } catch (err) {
          log.error({ err, event: event.type }, 'service desk listener failed');
        }
      }
    },
  };
}
export type Emitter = ReturnType<typeof createEmitter>;

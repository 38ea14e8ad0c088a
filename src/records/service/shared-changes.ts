/**
 * The desk's changes shared by every process on one PostgreSQL (issue 17): API replicas, rules
 * workers and the SLA clock each announce what they changed with NOTIFY on `fm_desk_changes`, and
 * each process's listeners hear the others' changes as if they were their own. So the live stream of
 * any replica carries every change, whichever replica or worker made it. A process hears its own
 * changes directly (in order, at once); its own notifications, which come back too, are skipped by
 * their origin. PGlite has one process by construction: nothing is shared there.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log.ts';
import type { Db } from '../db.ts';
import type { DeskEvent, Emitter } from './events.ts';
import { getAlert } from './patrol.ts';
import { loadRecord } from './store.ts';
import type { Actor } from './types.ts';

export const CHANGES_CHANNEL = 'fm_desk_changes';

/** A NOTIFY payload must be shorter than 8000 bytes (PostgreSQL, NOTIFY): bigger changes go by reference. */
const MAX_PAYLOAD_BYTES = 7900;

type Ref = { type: 'record' | 'alert'; id: number; action: string; actor: Actor };
type Wire = { origin: string; event?: DeskEvent; ref?: Ref };

export interface SharedChanges {
  /** Starts hearing the other processes' changes (on the first subscriber; idempotent). */
  listen(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Announces every event of `local` (sent after its transaction committed) and re-emits the other
 * processes' events on `out`. A change too large for one notification is announced by id and read
 * back by the listener, so it shows the record as it is when heard.
 */
export function shareChanges(db: Db, local: Emitter, out: Emitter, log: Logger): SharedChanges {
  const origin = randomUUID();
  let sending: Promise<void> = Promise.resolve();
  local.on((event) => {
    const wire = JSON.stringify({ origin, event } satisfies Wire);
    const payload =
      Buffer.byteLength(wire) < MAX_PAYLOAD_BYTES ? wire : JSON.stringify({ origin, ref: refOf(event) });
    // One at a time, so other processes hear this process's changes in the order it made them.
    sending = sending
      .then(() => db.query('SELECT pg_notify($1, $2)', [CHANGES_CHANNEL, payload]))
      .then(
        () => {},
        (err: Error) => log.warn({ err: err.message }, 'could not announce a change to other processes'),
      );
  });

  let heard: Promise<void> = Promise.resolve();
  const onNotify = (payload: string) => {
    heard = heard
      .then(async () => {
        const wire = JSON.parse(payload) as Wire;
        if (wire.origin === origin) return;
        const event = wire.event ?? (wire.ref ? await resolve(db, log, wire.ref) : undefined);
        if (event) out.emit(event);
      })
      .catch((err: Error) => log.warn({ err: err.message }, 'a change from another process was not relayed'));
  };
  let listening: Promise<() => Promise<void>> | undefined;
  return {
    listen: async () => {
      listening ??= db.listen(CHANGES_CHANNEL, onNotify, () =>
        log.warn('the database connection was lost; changes made elsewhere meanwhile were not streamed'),
      );
      await listening;
    },
    close: async () => {
      const unlisten = await listening?.catch(() => undefined);
      await unlisten?.();
      await sending;
    },
  };
}

function refOf(event: DeskEvent): Ref | undefined {
  if (event.type === 'record')
    return { type: 'record', id: event.record.id, action: event.action, actor: event.actor };
  if (event.type === 'alert')
    return { type: 'alert', id: event.alert.id, action: event.action, actor: event.actor };
  return undefined; // a breach is a few ids and dates: always small enough
}

async function resolve(db: Db, log: Logger, ref: Ref): Promise<DeskEvent> {
  const { actor } = ref;
  if (ref.type === 'record')
    return { type: 'record', action: ref.action, actor, record: await loadRecord(db, ref.id) };
  const ctx = { db, log } as Parameters<typeof getAlert>[0];
  const { history: _, ...alert } = await getAlert(ctx, ref.id);
  return { type: 'alert', action: ref.action, actor, alert };
}

/** What the engine asks of the desk (outbox.ts performs it through actions.ts, in order). */
import type { Outcome } from './rule-file.ts';
import type { Incident } from './storm.ts';

export type Action =
  | {
      type: 'raise';
      key: string;
      deviceId: string;
      fault: string;
      occurredAt: number;
      outcome: Outcome;
      title: string;
      evidence: Record<string, unknown>;
      /** The floor the device reports it is at (a lift's car), where it reports one. */
      floor?: number;
      /** Building, floor and location as the title names them. */
      place?: string;
      /**
       * The fault came back within its clear time: the same episode, so the desk opens a record
       * only if the fault has none open (people closed or cancelled it meanwhile).
       */
      continuing?: true;
    }
  | { type: 'recover'; deviceId: string; fault: string; recoveredAt: number; selfClose: boolean }
  | {
      type: 'incident';
      incident: Incident;
      change: IncidentChange;
      at: number;
      /** On a grow: the newcomers, whom its note names. */
      added?: string[];
    }
  /** A device's counters for meter-driven maintenance plans (meters.ts). */
  | { type: 'meters'; deviceId: string; readings: Record<string, number>; at: number };

/** An incident opens, grows (a note names the newcomers), its members change silently, or it ends. */
export type IncidentChange = 'open' | 'grow' | 'members' | 'end';

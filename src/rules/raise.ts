/**
 * What a raise tells the desk: the evidence, the title, and where the device is. A device that
 * reports its own position (a lift's car: `floor` in its events and telemetry) is placed there, not
 * where it was registered: a guard sent to the machine room's floor is sent to the wrong place.
 */
import { fieldsOf } from './compile.ts';
import type { DeviceRuntime, Latch } from './device.ts';
import type { Action } from './engine.ts';
import { grafanaLink, readingsWindow } from './evidence.ts';
import type { Outcome } from './rule-file.ts';
import { faultTitle, type Lang, placeOf } from './text.ts';

export type RaiseAction = Extract<Action, { type: 'raise' }>;

const isFloor = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

/**
 * The floor the device itself reports for this episode: its event for the fault when it came with
 * the episode (not an older one), else its latest reading; undefined when it reports none.
 */
export function reportedFloor(d: DeviceRuntime, fault: string, since: number): number | undefined {
  const event = d.lastEvents.get(fault) as { floor?: unknown; at?: string } | undefined;
  if (event && isFloor(event.floor) && Date.parse(event.at ?? '') >= since) return event.floor;
  const latest = d.readings.at(-1)?.data.floor;
  return isFloor(latest) ? latest : undefined;
}

export interface RaiseContext {
  lang: Lang;
  grafanaUrl?: string | undefined;
  outcome: Outcome;
  now: number;
  /** Why it was held before this raise, if it was. */
  held: Latch['held'];
  /** A raised fault came back within its clear time, at this instant. */
  back?: number | undefined;
}

export function raiseAction(d: DeviceRuntime, fault: string, l: Latch, c: RaiseContext): RaiseAction {
  const { id, site, kind } = d.info;
  const rule = d.eff.rules.find((r) => r.id === l.rule.split(':')[0]);
  const since = c.back ?? l.since;
  const evidence: Record<string, unknown> = {
    rule: l.rule,
    since: new Date(since).toISOString(),
    readings: readingsWindow(d.readings, since, fieldsOf(rule)),
  };
  const event = d.lastEvents.get(fault);
  if (event) evidence.event = event;
  if (c.held === 'maintenance') evidence.afterMaintenance = true;
  if (c.grafanaUrl) evidence.link = grafanaLink(c.grafanaUrl, kind, site, id, since, c.lang);
  const floor = reportedFloor(d, fault, since);
  const place = placeOf({ ...d.info, floor: floor ?? d.info.floor });
  return {
    type: 'raise',
    // A return has a key of its own (replayed, the same one): it may open a record of its own.
    key: c.back === undefined ? l.key : `${l.key}/back/${c.back}`,
    deviceId: id,
    fault,
    // Raised after a hold: the fault counts from the end of the maintenance, not from within it.
    occurredAt: c.held === 'maintenance' ? c.now : since,
    outcome: c.outcome,
    title: faultTitle({ kind, deviceId: id, place, fault }, c.lang),
    evidence,
    ...(floor === undefined ? {} : { floor }),
    ...(place ? { place } : {}),
    ...(c.back === undefined ? {} : { continuing: true as const }),
  };
}

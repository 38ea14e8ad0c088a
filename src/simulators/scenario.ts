import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { EVENT_CODES, isKind, isValidId, KINDS, type Kind } from '../protocol/index.ts';
import { faultsOf, LINK_FAULTS } from './model.ts';
import { Rng } from './prng.ts';
import { parseDuration } from './time.ts';

/** Which devices a step targets: one id, every device, a kind, a site, or N random devices of a kind. */
export type Selector =
  | { id: string }
  | { all: true }
  | { kind: Kind }
  | { site: string }
  | { random: number; kind: Kind };

const ALL_FAULTS = [...new Set([...KINDS.flatMap((k) => EVENT_CODES[k].map((c) => c.code)), ...LINK_FAULTS])];

/** `L-B1-1`, `all`, `kind:lift`, `site:demo`, `random:3:lift`. Ids cannot contain `:`, so these never clash. */
export function parseSelector(text: string): Selector | string {
  if (text === 'all') return { all: true };
  const parts = text.split(':');
  if (parts.length === 1)
    return isValidId(text) ? { id: text } : `"${text}" is not a device id ([A-Za-z0-9_-]{1,64})`;
  const [what, a, b] = parts as [string, string, string | undefined];
  if (what === 'kind' && parts.length === 2)
    return isKind(a) ? { kind: a } : `unknown kind "${a}" (${KINDS.join(', ')})`;
  if (what === 'site' && parts.length === 2) return isValidId(a) ? { site: a } : `"${a}" is not a site id`;
  if (what === 'random' && parts.length === 3 && b !== undefined) {
    const n = Number(a);
    if (!Number.isInteger(n) || n < 1) return `"${a}" is not a positive count`;
    return isKind(b) ? { random: n, kind: b } : `unknown kind "${b}" (${KINDS.join(', ')})`;
  }
  return `"${text}" is not a selector: use an id, all, kind:K, site:S or random:N:K`;
}

const durationField = z.union([z.number().nonnegative(), z.string()]).transform((value, ctx) => {
  const ms = parseDuration(value);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not a duration: use seconds or e.g. "+90s", "10m", "1h30m"`,
    });
    return z.NEVER;
  }
  return ms;
});

const stepSchema = z
  .object({
    /** Offset from the start of the run, simulated time. */
    at: durationField,
    device: z.string().transform((value, ctx) => {
      const s = parseSelector(value);
      if (typeof s === 'string') {
        ctx.addIssue({ code: 'custom', message: s });
        return z.NEVER;
      }
      return s;
    }),
    fault: z.enum(ALL_FAULTS as [string, ...string[]], {
      error: (i) => `"${String(i.input)}" is not a fault code of any kind`,
    }),
    action: z.enum(['raise', 'clear']).default('raise'),
    /** A raise that clears itself after this long. */
    duration: durationField.optional(),
    detail: z.string().max(256).optional(),
  })
  .strict()
  .refine((s) => s.duration === undefined || s.action === 'raise', {
    message: 'duration only goes with action "raise"',
    path: ['duration'],
  });

export const scenarioSchema = z.preprocess(
  (v) => (Array.isArray(v) ? { steps: v } : v),
  z.object({ description: z.string().optional(), steps: z.array(stepSchema).min(1) }).strict(),
);

export type Scenario = z.output<typeof scenarioSchema>;
export type ScenarioStep = Scenario['steps'][number];

export class ScenarioError extends Error {}

/** `steps[3].at` from zod's path, as a person reads it. */
function formatPath(path: readonly PropertyKey[]): string {
  return (
    path.reduce<string>(
      (acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
      '',
    ) || '(scenario)'
  );
}

/** Validates a parsed scenario; throws ScenarioError with one `path: reason` line per problem. */
export function parseScenario(input: unknown, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ScenarioError(
    result.error.issues.map((i) => `${source}: ${formatPath(i.path)}: ${i.message}`).join('\n'),
  );
}

export function loadScenario(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ScenarioError(`${file}: cannot read it (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseScenario(json, file);
}

/** One resolved change: at `atMs` after the start, `action` `fault` on these devices. */
export interface TimelineEntry {
  atMs: number;
  deviceIds: string[];
  fault: string;
  action: 'raise' | 'clear';
  detail?: string;
  step: number;
}

/**
 * Resolves selectors against the fleet and unrolls durations into clears. Throws ScenarioError
 * naming the step when a selector matches nothing or a fault does not belong to a selected kind.
 */
export function resolveScenario(
  scenario: Scenario,
  devices: readonly { deviceId: string; kind: Kind }[],
  site: string,
  seed = 1,
): TimelineEntry[] {
  const rng = new Rng(seed);
  const errors: string[] = [];
  const entries: TimelineEntry[] = [];
  scenario.steps.forEach((step, i) => {
    const s = step.device;
    let chosen: { deviceId: string; kind: Kind }[];
    if ('id' in s) chosen = devices.filter((d) => d.deviceId === s.id);
    else if ('all' in s) chosen = [...devices];
    else if ('site' in s) chosen = s.site === site ? [...devices] : [];
    else if ('random' in s) {
      const pool = devices.filter((d) => d.kind === s.kind);
      chosen = [];
      while (chosen.length < s.random && pool.length > 0)
        chosen.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]!);
    } else chosen = devices.filter((d) => d.kind === s.kind);
    if (chosen.length === 0) {
      errors.push(`steps[${i}].device: matches no device of the fleet`);
      return;
    }
    const wrong = chosen.find((d) => !faultsOf(d.kind).includes(step.fault));
    if (wrong) {
      errors.push(
        `steps[${i}].fault: "${step.fault}" is not a fault of ${wrong.kind} (device ${wrong.deviceId})`,
      );
      return;
    }
    const deviceIds = chosen.map((d) => d.deviceId);
    entries.push({
      atMs: step.at,
      deviceIds,
      fault: step.fault,
      action: step.action,
      detail: step.detail,
      step: i,
    });
    if (step.duration !== undefined) {
      entries.push({ atMs: step.at + step.duration, deviceIds, fault: step.fault, action: 'clear', step: i });
    }
  });
  if (errors.length > 0) throw new ScenarioError(errors.join('\n'));
  // Stable sort: steps at the same moment apply in file order.
  return entries.sort((a, b) => a.atMs - b.atMs);
}

/** Hands out timeline entries as simulated time passes them; each exactly once. */
export class ScenarioPlayer {
  private next = 0;

  constructor(private readonly timeline: readonly TimelineEntry[]) {}

  due(elapsedMs: number): TimelineEntry[] {
    const start = this.next;
    while (this.next < this.timeline.length && this.timeline[this.next]!.atMs <= elapsedMs) this.next++;
    return this.timeline.slice(start, this.next);
  }

  get done(): boolean {
    return this.next >= this.timeline.length;
  }

  /** When the last entry applies, ms after the start. */
  get endMs(): number {
    return this.timeline.at(-1)?.atMs ?? 0;
  }
}

/** The rules one device runs (defaults of its kind, then site overrides, then device overrides), and how a reading is judged. */
import type { Kind } from '../protocol/index.ts';
import type { Comparison, Outcome, Rule, RuleFile } from './rule-file.ts';

export interface DeviceInfo {
  id: string;
  site: string;
  kind: Kind;
  building: string | null;
  floor: number | null;
  location: string | null;
  intervalS: number;
}

export interface Heartbeat {
  missedIntervals: number;
  offlineForS: number;
}

export interface Effective {
  rules: Rule[];
  faults: Record<string, Outcome>;
  heartbeat: Heartbeat;
}

const DEFAULT_HEARTBEAT: Heartbeat = { missedIntervals: 3, offlineForS: 30 };
/** Faults that are not in the file still get a record: engineers look at them. */
export const FALLBACK_OUTCOME: Outcome = {
  priority: 'normal',
  trade: 'engineering',
  alert: false,
  selfClose: false,
  enabled: true,
};

export function effectiveRules(file: RuleFile, d: DeviceInfo): Effective {
  const set = file.kinds[d.kind];
  let rules = [...(set?.rules ?? [])];
  const faults: Record<string, Outcome> = { ...(set?.faults ?? {}) };
  const applies = file.overrides.filter(
    (o) =>
      (!o.kind || o.kind === d.kind) &&
      (o.site ? o.site === d.site : true) &&
      (o.device ? o.device === d.id : true),
  );
  // Site-wide first, then the device's own: the narrower scope wins.
  const ordered = [...applies.filter((o) => !o.device), ...applies.filter((o) => o.device)];
  for (const o of ordered) {
    if (o.rule) {
      rules = rules.map((r) => (r.id === o.rule ? ({ ...r, ...o.set } as Rule) : r));
    } else if (o.fault) {
      faults[o.fault] = { ...(faults[o.fault] ?? FALLBACK_OUTCOME), ...(o.set as Partial<Outcome>) };
    }
  }
  rules = rules.filter((r) => (r as { enabled?: boolean }).enabled !== false);
  return { rules, faults, heartbeat: { ...DEFAULT_HEARTBEAT, ...set?.heartbeat } };
}

type Reading = Record<string, unknown>;

function compare(c: Comparison, r: Reading): boolean | undefined {
  const left = r[c.field];
  const right = c.ref === undefined ? c.value : r[c.ref];
  if (left === undefined || right === undefined) return undefined;
  switch (c.op) {
    case 'eq':
      return left === right;
    case 'ne':
      return left !== right;
    case 'lt':
      return (left as number) < (right as number);
    case 'le':
      return (left as number) <= (right as number);
    case 'gt':
      return (left as number) > (right as number);
    case 'ge':
      return (left as number) >= (right as number);
  }
}

function all(list: readonly Comparison[], r: Reading): boolean | undefined {
  let result: boolean | undefined = true;
  for (const c of list) {
    const v = compare(c, r);
    if (v === false) return false;
    if (v === undefined) result = undefined;
  }
  return result;
}

/** true: the fault condition holds; false: the clear condition holds; null: neither. */
export function judge(rule: Rule, r: Reading): boolean | null {
  if (rule.type === 'threshold') {
    const v = r[rule.field];
    if (typeof v !== 'number') return null;
    if (rule.unless.some((c) => compare(c, r) === true)) return null;
    if (rule.below !== undefined) return v < rule.below ? true : v >= rule.clearAbove! ? false : null;
    return v > rule.above! ? true : v <= rule.clearBelow! ? false : null;
  }
  if (rule.type === 'derived') {
    const on = all(rule.when, r);
    if (on === true) return true;
    if (rule.clearWhen) return all(rule.clearWhen, r) === true ? false : null;
    return on === false ? false : null;
  }
  return null;
}

/** The fields a rule looks at: what its evidence shows of each reading. */
export function fieldsOf(rule: Rule | undefined): string[] | undefined {
  if (!rule) return undefined;
  if (rule.type === 'threshold') return [rule.field, ...rule.unless.map((c) => c.field)];
  if (rule.type === 'derived')
    return [
      ...new Set(
        [...rule.when, ...(rule.clearWhen ?? [])].flatMap((c) => (c.ref ? [c.field, c.ref] : [c.field])),
      ),
    ];
  return undefined;
}

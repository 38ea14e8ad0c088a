/**
 * Where the rules open records, read from the shipped rule defaults (rules/default-rules.json, the
 * file the rules service starts from): drawn as the graphs' red areas and told in their descriptions,
 * so the red line is where a record opens. Per-site overrides (FM_RULES_FILES) are not drawn.
 */
import type { Threshold, ThresholdsConfigBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Kind } from '../protocol/index.ts';
import { PAYLOAD_SCHEMAS } from '../protocol/index.ts';
import { DEFAULT_RULE_FILE, loadRuleFiles, type Rule, type RuleFile } from '../rules/index.ts';
import { absolute, type Tr } from './common.ts';

type ThresholdRule = Extract<Rule, { type: 'threshold' }>;

let ruleDefaults: RuleFile | undefined;
export const shippedRules = (): RuleFile => (ruleDefaults ??= loadRuleFiles([DEFAULT_RULE_FILE]));

interface Limits {
  below?: number;
  above?: number;
  rules: ThresholdRule[];
}

/** The threshold rules of a telemetry field; throws when it has none (a panel promising a limit). */
export function ruleLimits(kind: Kind, field: string): Limits {
  const limits: Limits = { rules: [] };
  for (const rule of shippedRules().kinds[kind]?.rules ?? []) {
    if (rule.type !== 'threshold' || rule.field !== field) continue;
    limits.rules.push(rule);
    if (rule.below !== undefined) limits.below = rule.below;
    if (rule.above !== undefined) limits.above = rule.above;
  }
  if (limits.rules.length === 0)
    throw new Error(`no threshold rule for ${kind}.${field} in ${DEFAULT_RULE_FILE}`);
  return limits;
}

/**
 * The smallest value Grafana should paint red for a rule that fires on `v > above`. Grafana colours
 * a value by the last step whose value is <= it, so a step at `above` itself would paint a reading
 * of exactly `above` red although no record opens (zero failed lamps shown red). An integer field
 * (the MQTT contract's `int()`) turns red at the next integer, a real one at the next double.
 */
export function firstFaultyAbove(kind: Kind, field: string, above: number): number {
  const shape = PAYLOAD_SCHEMAS[kind].telemetry.shape as Record<string, unknown>;
  let type = shape[field] as { isInt?: boolean; unwrap?: () => unknown } | undefined;
  if (type?.isInt === undefined && type?.unwrap) type = type.unwrap() as typeof type;
  if (type?.isInt) return Math.floor(above) + 1;
  if (!(above > 0)) throw new Error(`${kind}.${field}: a real limit must be positive, not ${above}`);
  // The next double up: a positive double's bit pattern read as an integer, plus one.
  const bits = new BigInt64Array(new Float64Array([above]).buffer);
  bits[0] = bits[0]! + 1n;
  return new Float64Array(bits.buffer)[0]!;
}

/** Red below `below` (the rule fires on `v < below`), red above `above`, green between. */
export function thresholdsFor(kind: Kind, field: string): ThresholdsConfigBuilder {
  const { below, above } = ruleLimits(kind, field);
  const list: Threshold[] = [{ value: null, color: below === undefined ? 'green' : 'red' }];
  if (below !== undefined) list.push({ value: below, color: 'green' });
  if (above !== undefined) list.push({ value: firstFaultyAbove(kind, field, above), color: 'red' });
  return absolute(list);
}

/** The sentence a description ends with: when the field's record opens, in the rule file's numbers. */
export function limitNote(kind: Kind, field: string, unit: string, tr: Tr): string {
  const u = unit ? ` ${unit}` : '';
  const parts = ruleLimits(kind, field).rules.map((r) => {
    const held = r.forS > 0 ? tr(` 持续 ${r.forS} 秒`, ` for ${r.forS} s`) : '';
    return r.below !== undefined
      ? tr(`低于 ${r.below}${u}${held}`, `below ${r.below}${u}${held}`)
      : tr(`高于 ${r.above}${u}${held}`, `above ${r.above}${u}${held}`);
  });
  return tr(
    `红色区域：${parts.join('或')}时规则开服务记录（rules/default-rules.json 默认值；按小区的覆盖不在图上）。`,
    `Red: the rules open a service record ${parts.join(' or ')} (rules/default-rules.json defaults; per-estate overrides are not drawn).`,
  );
}

/** A rule of the shipped defaults by id, for descriptions that quote its numbers. */
export function shippedRule<T extends Rule['type']>(
  kind: Kind,
  id: string,
  type: T,
): Extract<Rule, { type: T }> {
  const rule = shippedRules().kinds[kind]?.rules.find((r) => r.id === id);
  if (rule?.type !== type) throw new Error(`no ${type} rule ${kind}/${id} in ${DEFAULT_RULE_FILE}`);
  return rule as Extract<Rule, { type: T }>;
}

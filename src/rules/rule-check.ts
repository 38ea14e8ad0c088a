/** What zod cannot see in a rule file: codes and fields that exist in protocol/, overrides that hit a rule. */
import { EVENT_CODES, KINDS, type Kind, PAYLOAD_SCHEMAS } from '../protocol/index.ts';
import { outcomeSchema, type Rule, type RuleFile, ruleSchema } from './rule-schema.ts';

const fieldsOf = (kind: Kind) => Object.keys(PAYLOAD_SCHEMAS[kind].telemetry.shape);

/** Checks a parsed file against the protocol: codes and fields that exist, overrides that hit something. */
export function crossCheck(
  file: RuleFile,
  base: RuleFile | undefined,
): { path: PropertyKey[]; message: string }[] {
  const issues: { path: PropertyKey[]; message: string }[] = [];
  const known = new Map<string, Rule>();
  for (const k of KINDS) for (const r of base?.kinds[k]?.rules ?? []) known.set(r.id, r);
  for (const kind of KINDS) {
    const set = file.kinds[kind];
    if (!set) continue;
    const fields = fieldsOf(kind);
    const codes = EVENT_CODES[kind].map((c) => c.code);
    set.rules.forEach((r, i) => {
      known.set(r.id, r);
      const at = (...p: PropertyKey[]) => ['kinds', kind, 'rules', i, ...p];
      const checkField = (f: string, p: PropertyKey[]) => {
        if (!fields.includes(f))
          issues.push({ path: p, message: `"${f}" is not a ${kind} telemetry field (${fields.join(', ')})` });
      };
      if (r.type === 'event')
        r.codes?.forEach((c, j) => {
          if (!codes.includes(c))
            issues.push({ path: at('codes', j), message: `"${c}" is not a ${kind} event code` });
        });
      if (r.type === 'count')
        r.codes.forEach((c, j) => {
          if (!codes.includes(c))
            issues.push({ path: at('codes', j), message: `"${c}" is not a ${kind} event code` });
        });
      if (r.type === 'threshold') {
        checkField(r.field, at('field'));
        r.unless.forEach((c, j) => {
          checkField(c.field, at('unless', j, 'field'));
        });
      }
      if (r.type === 'derived')
        for (const list of ['when', 'clearWhen'] as const)
          r[list]?.forEach((c, j) => {
            checkField(c.field, at(list, j, 'field'));
            if (c.ref) checkField(c.ref, at(list, j, 'ref'));
          });
    });
  }
  file.overrides.forEach((o, i) => {
    if (o.rule) {
      const target = known.get(o.rule);
      if (!target) {
        issues.push({ path: ['overrides', i, 'rule'], message: `no rule "${o.rule}"` });
        return;
      }
      const { id: _id, type: _type, ...patch } = o.set;
      const merged = ruleSchema.safeParse({ ...target, ...patch });
      if (Object.hasOwn(o.set, 'id') || Object.hasOwn(o.set, 'type'))
        issues.push({ path: ['overrides', i, 'set'], message: 'id and type of a rule cannot be overridden' });
      if (!merged.success)
        for (const issue of merged.error.issues)
          issues.push({ path: ['overrides', i, 'set', ...issue.path], message: issue.message });
    } else {
      const parsed = outcomeSchema.partial().strict().safeParse(o.set);
      if (!parsed.success)
        for (const issue of parsed.error.issues)
          issues.push({ path: ['overrides', i, 'set', ...issue.path], message: issue.message });
    }
  });
  return issues;
}

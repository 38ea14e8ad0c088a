/**
 * Rule definitions are data (docs/rules.md): a versioned JSON file per deployment, validated by
 * zod, refused at start with `file:line: path: reason`. Later files overlay earlier ones: faults
 * merge by code, rules by id, overrides append.
 */
import { readFileSync } from 'node:fs';
import { JsonSyntaxError, lineOf, parseJsonWithLines } from '../json-lines.ts';
import { KINDS } from '../protocol/index.ts';
import { crossCheck } from './rule-check.ts';
import { type RuleFile, ruleFileSchema } from './rule-schema.ts';

export {
  type Comparison,
  comparison,
  type Outcome,
  type Override,
  outcomeSchema,
  type Rule,
  type RuleFile,
  ruleFileSchema,
  ruleSchema,
} from './rule-schema.ts';

/** The default rule set shipped with the platform. */
export const DEFAULT_RULE_FILE = new URL('../../rules/default-rules.json', import.meta.url).pathname;

export class RuleFileError extends Error {}

/** Parses one rule file's text; `base` is what it overlays (for override targets). Throws RuleFileError. */
export function parseRuleFile(text: string, name: string, base?: RuleFile): RuleFile {
  let doc: ReturnType<typeof parseJsonWithLines>;
  try {
    doc = parseJsonWithLines(text);
  } catch (err) {
    if (err instanceof JsonSyntaxError) throw new RuleFileError(`${name}:${err.line}: ${err.message}`);
    throw err;
  }
  const where = (path: PropertyKey[]) =>
    `${name}:${lineOf(doc.lines, path)}: ${path.map(String).join('.') || '(file)'}`;
  const parsed = ruleFileSchema.safeParse(doc.value);
  if (!parsed.success) {
    throw new RuleFileError(parsed.error.issues.map((i) => `${where(i.path)}: ${i.message}`).join('\n'));
  }
  const issues = crossCheck(parsed.data, base);
  if (issues.length > 0)
    throw new RuleFileError(issues.map((i) => `${where(i.path)}: ${i.message}`).join('\n'));
  return parsed.data;
}

/** Lays `top` over `base`: faults by code, rules by id, overrides appended, settings replaced. */
export function overlay(base: RuleFile, top: RuleFile): RuleFile {
  const kinds: RuleFile['kinds'] = { ...base.kinds };
  for (const kind of KINDS) {
    const t = top.kinds[kind];
    if (!t) continue;
    const b = base.kinds[kind] ?? { faults: {}, rules: [] };
    const rules = [...b.rules.filter((r) => !t.rules.some((x) => x.id === r.id)), ...t.rules];
    kinds[kind] = { heartbeat: t.heartbeat ?? b.heartbeat, faults: { ...b.faults, ...t.faults }, rules };
  }
  return {
    ...base,
    kinds,
    flapping: top.flapping ?? base.flapping,
    storm: top.storm ?? base.storm,
    overrides: [...base.overrides, ...top.overrides],
  };
}

/** Reads and overlays the files in order (the first is usually DEFAULT_RULE_FILE). */
export function loadRuleFiles(paths: readonly string[]): RuleFile {
  let result: RuleFile | undefined;
  for (const path of paths) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new RuleFileError(`${path}: cannot read it (${(err as Error).message})`);
    }
    const file = parseRuleFile(text, path, result);
    result = result ? overlay(result, file) : file;
  }
  if (!result) throw new RuleFileError('no rule file given');
  return result;
}

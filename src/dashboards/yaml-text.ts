/**
 * YAML for the generated rule and provisioning files, which operators read and diff: block
 * style, multi-line queries as literal blocks, anything a YAML 1.1 or 1.2 reader could take for
 * another type (yes, on, 0.5, null...) quoted. Only what the generators emit: objects, arrays,
 * strings, finite numbers, booleans.
 */
export type Yaml = string | number | boolean | Yaml[] | { [key: string]: Yaml | undefined };

const PLAIN = /^([A-Za-z_][A-Za-z0-9_./-]*( [A-Za-z0-9_./(){}=~"-]+)*|\d+[smhd])$/;
const RESERVED = /^(y|n|yes|no|on|off|true|false|null)$/i;

/** A control character other than tab, which only JSON's escapes (valid YAML) can carry. */
const hasControl = (s: string): boolean => [...s].some((c) => c.charCodeAt(0) < 0x20 && c !== '\t');

function scalar(s: string): string {
  if (PLAIN.test(s) && !RESERVED.test(s)) return s;
  // Single quotes take any printable text, with ' doubled.
  return hasControl(s) ? JSON.stringify(s) : `'${s.replace(/'/g, "''")}'`;
}

function block(s: string, indent: string): string | undefined {
  const lines = s.split('\n');
  // A literal block keeps text as written; leading or trailing blanks would need indicators.
  if (lines.length < 2 || /^\s/.test(s) || lines.some((l) => /\s$/.test(l) || hasControl(l)))
    return undefined;
  return `|-\n${lines.map((l) => (l ? `${indent}${l}` : '')).join('\n')}`;
}

function value(v: Yaml, indent: string): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return block(v, indent) ?? scalar(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `\n${v.map((item) => `${indent}- ${value(item, `${indent}  `).replace(/^\n\s*/, '')}`).join('\n')}`;
  }
  const entries = Object.entries(v).filter(([, x]) => x !== undefined) as [string, Yaml][];
  if (entries.length === 0) return '{}';
  return `\n${entries.map(([k, x]) => `${indent}${scalar(k)}: ${value(x, `${indent}  `)}`.replace(/: \n/, ':\n')).join('\n')}`;
}

/** The document's text, after a comment of one or more lines. */
export function toYaml(doc: { [key: string]: Yaml }, header: string): string {
  const comment = header
    .split('\n')
    .map((l) => `# ${l}`.trimEnd())
    .join('\n');
  return `${comment}\n${value(doc, '').replace(/^\n/, '')}\n`;
}

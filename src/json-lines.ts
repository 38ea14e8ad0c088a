/**
 * JSON.parse with a line number for every value, so a rule file's mistakes (syntax or schema) can
 * be reported as `file:line`. RFC 8259 grammar; small because rule files are small.
 */
export type JsonPath = (string | number)[];

export interface LinedJson {
  value: unknown;
  /** Line (1-based) where the value at a path starts; key `JSON.stringify(path)`. */
  lines: Map<string, number>;
}

export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

const ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

export function parseJsonWithLines(text: string): LinedJson {
  let i = 0;
  let line = 1;
  const lines = new Map<string, number>();
  const fail = (what: string): never => {
    const found = i < text.length ? JSON.stringify(text[i]) : 'end of file';
    throw new JsonSyntaxError(`${what}, found ${found}`, line);
  };
  const space = () => {
    while (i < text.length) {
      const c = text[i]!;
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') return;
      i++;
    }
  };
  const string = (): string => {
    i++; // opening quote
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text[i++]!;
      if (c === '"') return out;
      if (c === '\n') {
        i--;
        fail('line break inside a string');
      }
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[i++] ?? '';
      if (e === 'u') {
        const hex = text.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
      } else if (e in ESCAPES) out += ESCAPES[e];
      else {
        i--;
        fail('bad escape in string');
      }
    }
  };
  const value = (path: JsonPath): unknown => {
    space();
    lines.set(JSON.stringify(path), line);
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: Record<string, unknown> = {};
      space();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        space();
        if (text[i] !== '"') fail('expected a "key" (JSON needs double quotes, no trailing commas)');
        const keyLine = line;
        const key = string();
        space();
        if (text[i] !== ':') fail(`expected ":" after "${key}"`);
        i++;
        if (Object.hasOwn(obj, key)) throw new JsonSyntaxError(`duplicate key "${key}"`, keyLine);
        obj[key] = value([...path, key]);
        lines.set(JSON.stringify([...path, key]), keyLine);
        space();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return obj;
        } else fail('expected "," or "}"');
      }
    }
    if (c === '[') {
      i++;
      const arr: unknown[] = [];
      space();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value([...path, arr.length]));
        space();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return arr;
        } else fail('expected "," or "]"');
      }
    }
    if (c === '"') return string();
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(
      text.slice(i, i + 64),
    );
    if (!literal) return fail('expected a value');
    i += literal[0].length;
    return JSON.parse(literal[0]);
  };
  const result = value([]);
  space();
  if (i < text.length) fail('unexpected text after the end of the document');
  return { value: result, lines };
}

/** The line of the deepest part of `path` that exists in the document. */
export function lineOf(lines: Map<string, number>, path: readonly PropertyKey[]): number {
  for (let n = path.length; n >= 0; n--) {
    const found = lines.get(JSON.stringify(path.slice(0, n)));
    if (found !== undefined) return found;
  }
  return 1;
}

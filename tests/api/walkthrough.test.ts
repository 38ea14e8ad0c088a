/**
 * docs/api.md's walk-through, run as written: every `curl` in its sh blocks, in order, against the
 * API on a real store (inject, no port), with the tokens the document issues and the answers it
 * shows. An answer comment (`# 201 {...}`, `# {...}`) after a command is checked: its status, and
 * the state, codes and people it names. Record, alert, shift, window and token ids in the document
 * stand for the ones the database gives. `# at <ISO time>` moves the clock; `curl -N` (the stream,
 * which never ends) is not run.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, openTestApi, type TestApi } from './support.ts';

const doc = readFileSync('docs/api.md', 'utf8');

/** Commands of every ```sh block: continuation lines and quoted strings across lines joined. */
function shLines(markdown: string): string[] {
  const out: string[] = [];
  for (const [, body] of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    let open = '';
    for (const line of body!.replace(/\\\n\s*/g, ' ').split('\n')) {
      open = open ? `${open}\n${line}` : line;
      // An odd number of single quotes: a quoted -d body goes on to the next line.
      if ((open.match(/'/g)?.length ?? 0) % 2 === 0) {
        out.push(open);
        open = '';
      }
    }
  }
  return out;
}

/** Shell words: quotes, and $VAR outside single quotes. */
function words(line: string, vars: Record<string, string>): string[] {
  const out: string[] = [];
  let cur: string | undefined;
  const expand = (s: string) =>
    s.replace(/\$\{?([A-Z_]+)\}?/g, (_, name: string) => {
      if (!(name in vars)) throw new Error(`$${name} is used before the document sets it: ${line}`);
      return vars[name]!;
    });
  for (const m of line.matchAll(/'([^']*)'|"((?:[^"\\]|\\.)*)"|(\s+)|([^\s'"]+)/g)) {
    if (m[3] !== undefined) {
      if (cur !== undefined) out.push(cur);
      cur = undefined;
    } else if (m[4]?.startsWith('#') && cur === undefined) break;
    else cur = (cur ?? '') + (m[1] ?? expand(m[2] ?? m[4] ?? ''));
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

interface Curl {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /** `-F name=value` and `-F name=@file` fields (a multipart upload). */
  form?: [string, string][];
  stream: boolean;
}

/** A 1x1 JPEG, standing in for whatever file a `-F name=@file` names. */
const TINY_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);

function multipart(fields: [string, string][]): { body: Buffer; type: string } {
  const boundary = 'walkthrough-boundary';
  const parts = fields.map(([name, value]) =>
    value.startsWith('@')
      ? Buffer.concat([
          Buffer.from(
            `--${boundary}\r\ncontent-disposition: form-data; name="${name}"; filename="${value.slice(1)}"\r\ncontent-type: image/jpeg\r\n\r\n`,
          ),
          TINY_JPEG,
          Buffer.from('\r\n'),
        ])
      : Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
  );
  return {
    body: Buffer.concat([...parts, Buffer.from(`--${boundary}--\r\n`)]),
    type: `multipart/form-data; boundary=${boundary}`,
  };
}

function parseCurl(args: string[]): Curl {
  const c: Curl = { method: '', url: '', headers: {}, stream: false };
  for (let i = 1; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-s') continue;
    if (a === '-N') c.stream = true;
    else if (a === '-X') c.method = args[++i]!;
    else if (a === '-o') i++;
    else if (a === '-H') {
      const [name, ...value] = args[++i]!.split(':');
      c.headers[name!.trim().toLowerCase()] = value.join(':').trim();
    } else if (a === '-d') c.body = args[++i]!;
    else if (a === '-F') {
      const [name, ...value] = args[++i]!.split('=');
      c.form ??= [];
      c.form.push([name!, value.join('=')]);
    } else if (a.startsWith('-')) throw new Error(`curl option ${a} is not understood by this test`);
    else c.url = a;
  }
  if (c.form) {
    const { body, type } = multipart(c.form);
    c.body = body;
    c.headers['content-type'] = type;
  }
  c.method ||= c.body === undefined ? 'GET' : 'POST';
  return c;
}

/** The value at `key` nearest the top of `value` (breadth first). */
function find(value: unknown, key: string): unknown {
  const queue = [value];
  while (queue.length > 0) {
    const v = queue.shift();
    if (v && typeof v === 'object') {
      if (!Array.isArray(v) && key in v) return (v as Record<string, unknown>)[key];
      queue.push(...Object.values(v));
    }
  }
  return undefined;
}

const CHECKED = ['state', 'code', 'assigneeId', 'ownerId', 'userId', 'staffId', 'via', 'merged', 'field'];
const IDS = /\/(records|alerts|duty-shifts|maintenance-windows|tokens)\/([A-Za-z0-9]+)/g;

describe('docs/api.md, run as written', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await openTestApi();
    t.clock.t = Date.parse('2025-03-03T09:15:20+08:00'); // the Monday morning of the walk-through
  });
  afterAll(async () => t?.close());

  it('answers every command as the document shows', async () => {
    const vars: Record<string, string> = {};
    const ids = new Map<string, string>();
    let last: { command: string; status: number; json: unknown; checked?: boolean } | undefined;
    let ran = 0;
    /** A command whose answer the document does not show must simply succeed. */
    const settle = () => {
      if (last && !last.checked)
        expect(last.status, `${last.command}\n  answered ${JSON.stringify(last.json)}`).toBeLessThan(300);
      if (last) last.checked = true;
    };
    for (const line of shLines(doc)) {
      const text = line.trim();
      const at = /^# at ([0-9T:.+-]+Z?)/.exec(text);
      if (at) {
        t.clock.t = Date.parse(at[1]!);
        continue;
      }
      const answer = /^# ((\d{3})\b)?\s*([{[].*)?$/.exec(text);
      if (answer && last && !last.checked && (answer[2] || answer[3])) {
        const where = `${last.command}\n  answered ${last.status} ${JSON.stringify(last.json)}`;
        // An answer without a status is a success's.
        if (answer[2]) expect(last.status, where).toBe(Number(answer[2]));
        else expect(last.status, where).toBeLessThan(300);
        const shown = answer[3] ?? '';
        for (const key of CHECKED) {
          const m = new RegExp(`"${key}":("[^"]*"|true|false|null)`).exec(shown);
          if (m && !m[1]!.includes('...'))
            expect(find(last.json, key), `${key} of ${where}`).toEqual(JSON.parse(m[1]!));
        }
        const docId =
          /^\{"id":("?)([A-Za-z0-9]+)\1/.exec(shown)?.[2] ?? /"record":\{"id":(\d+)/.exec(shown)?.[1];
        const realId = find(last.json, 'id');
        if (docId && realId !== undefined) ids.set(docId, String(realId));
        last.checked = true;
        continue;
      }
      if (text === '' || text.startsWith('#')) continue;
      const assign = /^([A-Z_]+)=(\S+)/.exec(text);
      if (assign) {
        // The admin's token from its file; another the token the last answer issued; $API: inject.
        const [, name, value] = assign;
        if (value!.startsWith('$(cat')) vars[name!] = ADMIN;
        else if (value!.startsWith('fm_')) vars[name!] = find(last?.json, 'token') as string;
        else vars[name!] = '';
        settle();
        continue;
      }
      settle();
      const args = words(text, vars);
      expect(args[0], `only curl is run: ${text}`).toBe('curl');
      const c = parseCurl(args);
      if (c.stream) continue;
      const url = c.url
        .replace(IDS, (_, kind: string, id: string) => `/${kind}/${ids.get(id) ?? id}`)
        .replace(/([?&]record=)(\d+)/, (_, key: string, id: string) => `${key}${ids.get(id) ?? id}`);
      const res = await t.app.inject({
        method: c.method as 'GET',
        url,
        headers: c.headers,
        ...(c.body === undefined ? {} : { payload: c.body }),
      });
      ran++;
      const json = (res.headers['content-type'] ?? '').toString().includes('json') ? res.json() : res.body;
      last = {
        command: `${c.method} ${url} ${c.form ? '(multipart)' : (c.body ?? '')}`,
        status: res.statusCode,
        json,
      };
      t.clock.t += 20_000;
    }
    settle();
    expect(ran).toBeGreaterThan(30);
  });
});

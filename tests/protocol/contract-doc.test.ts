import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEVICE_CHANNELS, decode, EVENT_CODES, KINDS, PAYLOAD_SCHEMAS } from '../../src/protocol/index.ts';

const doc = readFileSync('docs/mqtt-contract.md', 'utf8');

/** Every `mosquitto_pub ... -t TOPIC ... -m 'JSON'` command in the document, continuation lines joined. */
function publishExamples(markdown: string): { topic: string; payload: string }[] {
  const joined = markdown.replace(/\\\n\s*/g, ' ');
  return [...joined.matchAll(/^mosquitto_pub .*$/gm)].map(([line]) => {
    const topic = /-t (\S+)/.exec(line)?.[1];
    const payload = /-m '([^']*)'/.exec(line)?.[1];
    if (!topic || payload === undefined) throw new Error(`example without -t or -m: ${line}`);
    return { topic, payload };
  });
}

describe('docs/mqtt-contract.md', () => {
  const examples = publishExamples(doc);

  it('has an example for telemetry and event of every kind, and for status', () => {
    const covered = new Set(
      examples.map((e) =>
        e.topic
          .split('/')
          .slice(2)
          .filter((_, i) => i !== 1)
          .join('/'),
      ),
    );
    for (const kind of KINDS) {
      expect(covered).toContain(`${kind}/telemetry`);
      expect(covered).toContain(`${kind}/event`);
    }
    expect(examples.some((e) => e.topic.endsWith('/status'))).toBe(true);
  });

  it.each(publishExamples(doc).map((e) => [e.topic, e.payload]))(
    'example on %s decodes',
    (topic, payload) => {
      const result = decode(topic, Buffer.from(payload));
      expect(result.ok ? 'ok' : `${result.reason}: ${result.detail}`).toBe('ok');
    },
  );

  it('lists every event code of every kind, and no code the protocol lacks', () => {
    const documented = new Set(
      [...doc.matchAll(/^\| `([a-z_]+)` \| [^|]+ \| [^|]*\p{Script=Han}/gmu)].map((m) => m[1]),
    );
    const defined = new Set(KINDS.flatMap((k) => EVENT_CODES[k].map((c) => c.code)));
    expect(documented).toEqual(defined);
  });

  it('documents every payload field of every kind', () => {
    for (const kind of KINDS) {
      for (const channel of DEVICE_CHANNELS) {
        for (const field of Object.keys(PAYLOAD_SCHEMAS[kind][channel].shape)) {
          expect(doc, `${kind}/${channel}.${field}`).toContain(`\`${field}\``);
        }
      }
    }
  });
});

/**
 * MQTT 3.1.1's rules for strings, topic names and topic filters (§1.5.3, §4.7), on raw bytes, so
 * the broker can refuse a packet before aedes decodes it.
 */

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The rule `bytes` break as an MQTT UTF-8 string, or undefined. Ill-formed UTF-8 (including
 * encoded surrogates and overlong forms) and U+0000 MUST close the connection [MQTT-1.5.3-1,
 * MQTT-1.5.3-2]; control characters and non-characters SHOULD NOT appear and the receiver MAY close
 * the connection (§1.5.3): mosquitto does, and so does this broker, since no topic, client id or
 * user name of the platform has a use for them.
 */
export function utf8Problem(bytes: Uint8Array): string | undefined {
  return isPrintableAscii(bytes) ? undefined : unicodeProblem(bytes);
}

function isPrintableAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b < 0x20 || b > 0x7e) return false;
  }
  return true;
}

/** utf8Problem past the usual case of printable ASCII. */
function unicodeProblem(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return 'MQTT-1.5.3-1';
  }
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0) return 'MQTT-1.5.3-2';
    if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) return 'MQTT-1.5.3 (control character)';
    if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return 'MQTT-1.5.3 (non-character)';
  }
  return undefined;
}

const PLUS = 0x2b;
const HASH = 0x23;
const SLASH = 0x2f;

export type TopicProblem = { reason: 'invalid-utf8' | 'invalid-topic'; rule: string };

/** Why `topic` (or its bytes from `start` to `end`) cannot be a topic name (PUBLISH, last will), or undefined. */
export function topicNameProblem(topic: Uint8Array, start = 0, end = topic.length): TopicProblem | undefined {
  if (end === start) return { reason: 'invalid-topic', rule: 'MQTT-4.7.3-1' };
  // One pass for the usual case (every PUBLISH comes here). Bytes below 0x80 never occur inside a
  // multi-byte UTF-8 sequence, so a byte scan finds wildcards whatever the encoding.
  let plain = true;
  for (let i = start; i < end; i++) {
    const b = topic[i]!;
    if (b === PLUS || b === HASH) return { reason: 'invalid-topic', rule: 'MQTT-3.3.2-2' };
    if (b < 0x20 || b > 0x7e) plain = false;
  }
  const rule = plain ? undefined : unicodeProblem(topic.subarray(start, end));
  return rule ? { reason: 'invalid-utf8', rule } : undefined;
}

/** Why `filter` cannot be a topic filter (SUBSCRIBE, UNSUBSCRIBE), or undefined. */
export function topicFilterProblem(filter: Uint8Array): TopicProblem | undefined {
  if (filter.length === 0) return { reason: 'invalid-topic', rule: 'MQTT-4.7.3-1' };
  for (let i = 0; i < filter.length; i++) {
    const b = filter[i];
    const levelStart = i === 0 || filter[i - 1] === SLASH;
    const levelEnd = i === filter.length - 1 || filter[i + 1] === SLASH;
    // '#' alone in the last level [MQTT-4.7.1-2]; '+' alone in its level [MQTT-4.7.1-3].
    if (b === HASH && !(levelStart && i === filter.length - 1))
      return { reason: 'invalid-topic', rule: 'MQTT-4.7.1-2' };
    if (b === PLUS && !(levelStart && levelEnd)) return { reason: 'invalid-topic', rule: 'MQTT-4.7.1-3' };
  }
  const rule = utf8Problem(filter);
  return rule ? { reason: 'invalid-utf8', rule } : undefined;
}

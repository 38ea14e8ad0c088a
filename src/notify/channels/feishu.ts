/**
 * Feishu / Lark custom bot (自定义机器人), signature verification: string to sign
 * `timestamp + "\n" + secret` used as the HMAC-SHA256 *key* over an empty message, Base64; the
 * timestamp in seconds (Feishu refuses one more than an hour off) and the sign go in the body.
 * A custom bot can @ only by user id, which the staff table does not hold: names are in the text.
 * Answer: HTTP 200 with `code` 0 (older deployments: `StatusCode` 0).
 */
import { createHmac } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import { type Deliver, type Outgoing, postJson, vendorAnswer } from './types.ts';

export function feishuSign(secret: string, timestampS: string): string {
  return createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');
}

export function feishuChannel(url: string, secret: string, now: Clock): Deliver {
  return async (o: Outgoing) => {
    const timestamp = String(Math.floor(now() / 1000));
    const m = o.message;
    const body = {
      timestamp,
      sign: feishuSign(secret, timestamp),
      msg_type: 'text',
      content: { text: m.link ? `${m.text}\n${m.link}` : m.text },
    };
    return vendorAnswer(await postJson(url, JSON.stringify(body)), ['code', 'StatusCode']);
  };
}

/**
 * The generic webhook: a JSON body signed with HMAC-SHA256 over `<timestamp>.<body>` (the scheme of
 * Stripe's and GitHub's webhooks, docs/notifications.md gives the receiver's check). The timestamp
 * lets a receiver refuse replays outside its window; the idempotency key lets it drop repeats.
 */
import { createHmac } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import { type Deliver, type Outgoing, postJson, short } from './types.ts';

export const SIGNATURE_HEADER = 'x-fm-signature';
export const TIMESTAMP_HEADER = 'x-fm-timestamp';
export const KEY_HEADER = 'idempotency-key';

/** `v1=` + hex HMAC-SHA256(secret, `${timestamp}.${body}`); timestamp in Unix seconds. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export function webhookBody(o: Outgoing): string {
  return JSON.stringify({
    key: o.key,
    event: o.event,
    emergency: o.emergency,
    site: o.site,
    subject: o.subject,
    subjectId: o.subjectId,
    title: o.message.title,
    text: o.message.text,
    link: o.message.link,
    mentions: o.mentions,
    createdAt: o.createdAt.toISOString(),
  });
}

export function webhookChannel(url: string, secret: string, now: Clock): Deliver {
  return async (o) => {
    const body = webhookBody(o);
    const ts = String(Math.floor(now() / 1000));
    const r = await postJson(url, body, {
      [TIMESTAMP_HEADER]: ts,
      [SIGNATURE_HEADER]: webhookSignature(secret, ts, body),
      [KEY_HEADER]: o.key,
    });
    const ok = r.status !== null && r.status >= 200 && r.status < 300;
    return { ok, status: r.status, answer: short(r.text) };
  };
}

/** What a channel is given to send and what it reports back (src/notify/sender.ts keeps both). */
import type { Channel } from '../config.ts';
import type { Message } from '../messages.ts';

export interface Outgoing {
  id: number;
  /** The idempotency key: the same on every attempt, so a receiver can drop a repeat. */
  key: string;
  channel: Channel;
  /** A receiver's name (chats, webhooks), an e-mail address or a phone number. */
  target: string;
  /** Phone numbers to @-mention in a group chat. */
  mentions: string[];
  message: Message & { name?: string };
  emergency: boolean;
  event: string;
  subject: 'record' | 'alert';
  subjectId: number;
  site: string;
  createdAt: Date;
}

export interface Answer {
  ok: boolean;
  /** HTTP status or SMTP reply code; null when nothing answered (refused, timed out). */
  status: number | null;
  /** The receiver's answer, shortened: kept in the delivery log. */
  answer: string;
}

export type Deliver = (o: Outgoing) => Promise<Answer>;

const MAX_ANSWER = 300;
export const short = (s: string) => (s.length > MAX_ANSWER ? `${s.slice(0, MAX_ANSWER - 1)}…` : s);

/** POSTs JSON; any network failure or timeout is an answer, not an exception. */
export async function postJson(
  url: string,
  body: string,
  headers: Record<string, string> = {},
  timeoutMs = 10_000,
): Promise<{ status: number | null; text: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, text: await res.text() };
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { status: null, text: cause ?? (err as Error).name ?? 'error' };
  }
}

/** Chat robots answer HTTP 200 with an error code in the body (WeCom, DingTalk: errcode; Feishu: code). */
export function vendorAnswer(r: { status: number | null; text: string }, field: string[]): Answer {
  if (r.status === null || r.status < 200 || r.status >= 300)
    return { ok: false, status: r.status, answer: short(r.text) };
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(r.text) as Record<string, unknown>;
  } catch {
    return { ok: false, status: r.status, answer: short(`not JSON: ${r.text}`) };
  }
  const code = field.map((f) => body[f]).find((v) => v !== undefined);
  return { ok: code === 0 || code === '0', status: r.status, answer: short(r.text) };
}

/**
 * DingTalk custom robot (钉钉自定义机器人), "加签" security: string to sign `timestamp + "\n" + secret`,
 * HMAC-SHA256 keyed with the secret, Base64, URL-encoded, appended as `&timestamp=&sign=` with the
 * timestamp in milliseconds (DingTalk refuses one more than an hour off). @ by mobile: the numbers in
 * `at.atMobiles` and `@number` in the text. Answer: HTTP 200 with `errcode` 0.
 */
import { createHmac } from 'node:crypto';
import type { Clock } from '../../clock.ts';
import { type Deliver, type Outgoing, postJson, vendorAnswer } from './types.ts';

export function dingtalkSign(secret: string, timestampMs: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

export function dingtalkBody(o: Outgoing): Record<string, unknown> {
  const m = o.message;
  const at = o.mentions.map((p) => `@${p}`).join(' ');
  return {
    msgtype: 'markdown',
    markdown: {
      title: m.title,
      text: `#### ${m.title}\n${m.text}${m.link ? `\n\n[${m.link}](${m.link})` : ''}${at ? `\n\n${at}` : ''}`,
    },
    at: { atMobiles: o.mentions, isAtAll: false },
  };
}

export function dingtalkChannel(url: string, secret: string, now: Clock): Deliver {
  return async (o) => {
    const ts = String(now());
    const signed = new URL(url);
    signed.searchParams.set('timestamp', ts);
    // URLSearchParams percent-encodes the Base64 (+, /, =) as the vendor's urlEncode does.
    signed.searchParams.set('sign', dingtalkSign(secret, ts));
    return vendorAnswer(await postJson(signed.toString(), JSON.stringify(dingtalkBody(o))), ['errcode']);
  };
}

/**
 * SMS through an HTTP gateway: the operator's template (the JSON body the gateway expects, with
 * its own template id) with {placeholders} filled in, JSON-escaped. The big Chinese SMS clouds are
 * HTTP APIs of this shape; a token, if set, goes as `Authorization: Bearer`. Any 2xx is sent.
 */
import type { SmsOptions } from '../config.ts';
import { type Deliver, type Outgoing, postJson, short } from './types.ts';
import { KEY_HEADER } from './webhook.ts';

export function fillTemplate(template: string, o: Outgoing): string {
  const values: Record<string, string> = {
    phone: o.target,
    text: o.message.link ? `${o.message.text} ${o.message.link}` : o.message.text,
    title: o.message.title,
    link: o.message.link ?? '',
    key: o.key,
    name: o.message.name ?? '',
  };
  // Inside a JSON string: escape as JSON does, without the quotes.
  return template.replace(/\{([a-z]+)\}/g, (all, k: string) =>
    k in values ? JSON.stringify(values[k]).slice(1, -1) : all,
  );
}

export function smsChannel(o: SmsOptions): Deliver {
  return async (m) => {
    const headers: Record<string, string> = { [KEY_HEADER]: m.key };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const r = await postJson(o.url, fillTemplate(o.template, m), headers);
    const ok = r.status !== null && r.status >= 200 && r.status < 300;
    return { ok, status: r.status, answer: short(r.text) };
  };
}

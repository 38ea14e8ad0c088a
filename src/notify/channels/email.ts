/**
 * E-mail over SMTP with nodemailer. `requireTLS` makes the client insist on STARTTLS (RFC 3207)
 * before authenticating or sending on a plain smtp:// port; smtps:// is TLS from the first byte.
 * The idempotency key is the Message-ID (RFC 5322 3.6.4), so a mail system can drop a repeat.
 */
import nodemailer from 'nodemailer';
import type { SmtpOptions } from '../config.ts';
import { type Deliver, short } from './types.ts';

export function emailChannel(o: SmtpOptions): { deliver: Deliver; close(): void } {
  const transport = nodemailer.createTransport({
    url: o.url,
    requireTLS: o.requireTls,
    ...(o.tls ? { tls: o.tls } : {}),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return {
    deliver: async (m) => {
      try {
        const info = await transport.sendMail({
          from: o.from,
          to: m.target,
          subject: m.message.title,
          text: m.message.link ? `${m.message.text}\n\n${m.message.link}\n` : `${m.message.text}\n`,
          messageId: `<${m.key}@facility-monitor>`,
          headers: { 'X-FM-Idempotency-Key': m.key },
          ...(m.emergency ? { priority: 'high' as const } : {}),
        });
        const code = Number.parseInt(String(info.response).slice(0, 3), 10);
        return { ok: true, status: Number.isNaN(code) ? 250 : code, answer: short(String(info.response)) };
      } catch (err) {
        const e = err as { responseCode?: number; response?: string; code?: string; message: string };
        return {
          ok: false,
          status: e.responseCode ?? null,
          answer: short(e.response ?? e.code ?? e.message),
        };
      }
    },
    close: () => transport.close(),
  };
}

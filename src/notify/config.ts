/**
 * Notification settings (docs/notifications.md): the receivers (group chats and webhooks), which
 * site's and trade's notices each hears, the SMTP server and the SMS gateway. Parsed at start with
 * the other settings; a receiver without its secret, a malformed URL or an SMS template naming an
 * unknown placeholder refuses the start, naming the setting and the receiver.
 */
import { z } from 'zod';

export const CHAT_TYPES = ['webhook', 'wecom', 'dingtalk', 'feishu'] as const;
export type ChatType = (typeof CHAT_TYPES)[number];
export const CHANNELS = [...CHAT_TYPES, 'email', 'sms'] as const;
export type Channel = (typeof CHANNELS)[number];

/** What an SMS template may name; anything else in braces is refused (a typo would be sent as is). */
export const SMS_PLACEHOLDERS = ['phone', 'text', 'title', 'link', 'key', 'name'] as const;

function httpUrl(value: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return 'not a valid URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return `${u.protocol}// is not accepted; use https://`;
  return u.hostname ? undefined : 'no host';
}

const receiver = z
  .object({
    type: z.enum(CHAT_TYPES),
    url: z.string(),
    /** HMAC key: the webhook's shared secret, DingTalk's SEC… string, Feishu's signing key. */
    secret: z.string().min(1).optional(),
    /** Sites whose notices it hears (empty: all). */
    sites: z.array(z.string()).default([]),
    /** Trades whose notices it hears (empty: all). */
    trades: z.array(z.string()).default([]),
  })
  .strict();
export type Receiver = z.output<typeof receiver>;

/** JSON object of receiver name -> receiver; every problem names its receiver. */
export const receiversSetting = z.string().transform((text, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not valid JSON (an object of receiver name -> receiver)' });
    return z.NEVER;
  }
  const r = z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), receiver).safeParse(parsed);
  if (!r.success) {
    for (const i of r.error.issues)
      ctx.addIssue({ code: 'custom', message: `receiver ${i.path.join('.')}: ${i.message}` });
    return z.NEVER;
  }
  for (const [name, rc] of Object.entries(r.data)) {
    const bad = httpUrl(rc.url);
    if (bad) ctx.addIssue({ code: 'custom', message: `receiver "${name}": url: ${bad}` });
    // WeCom robots carry their key in the URL and sign nothing; every other type must be signed.
    if (rc.type !== 'wecom' && !rc.secret)
      ctx.addIssue({
        code: 'custom',
        message: `receiver "${name}" (${rc.type}): no secret; set its "secret"`,
      });
    if (rc.type === 'wecom' && !bad && !new URL(rc.url).searchParams.get('key'))
      ctx.addIssue({ code: 'custom', message: `receiver "${name}" (wecom): the URL has no key= parameter` });
  }
  return r.data;
});

/** The SMS gateway's request body, with {placeholder}s; unknown ones are refused. */
export const smsTemplateSetting = z.string().superRefine((text, ctx) => {
  for (const m of text.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    if (!(SMS_PLACEHOLDERS as readonly string[]).includes(m[1]!))
      ctx.addIssue({
        code: 'custom',
        message: `unknown placeholder {${m[1]}}; use ${SMS_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
      });
  }
  if (!text.includes('{phone}') || !text.includes('{text}'))
    ctx.addIssue({ code: 'custom', message: 'the template must contain {phone} and {text}' });
});

export interface SmtpOptions {
  url: string;
  from: string;
  /** Refuse to send unless the server offers STARTTLS (RFC 3207); smtps:// is TLS from the start. */
  requireTls: boolean;
  /** Extra trust for a private mail relay (tests: smtp-server's own certificate). */
  tls?: { ca?: string | Buffer; rejectUnauthorized?: boolean } | undefined;
}

export interface SmsOptions {
  url: string;
  template: string;
  token?: string | undefined;
  /** Most non-emergency messages per person per day (site local day); 0: no cap. */
  dailyCap: number;
}

export interface NotifyOptions {
  receivers: Record<string, Receiver>;
  smtp?: SmtpOptions | undefined;
  sms?: SmsOptions | undefined;
  /** Base URL of the web console for links (no trailing slash); unset: no link. */
  consoleUrl?: string | undefined;
  /** First retry delay and the longest, ms; the delay doubles per attempt (exponential backoff). */
  retryMinMs: number;
  retryMaxMs: number;
  /** Attempts after which a notification is given up. */
  maxAttempts: number;
  /** Failures in a row after which a receiver counts as dead: one operator warning. */
  deadAfter: number;
}

interface NotifySettings {
  FM_NOTIFY_RECEIVERS?: Record<string, Receiver> | undefined;
  FM_NOTIFY_CONSOLE_URL?: string | undefined;
  FM_NOTIFY_SMTP_URL?: string | undefined;
  FM_NOTIFY_SMTP_FROM?: string | undefined;
  FM_NOTIFY_SMTP_STARTTLS: boolean;
  FM_NOTIFY_SMS_URL?: string | undefined;
  FM_NOTIFY_SMS_TEMPLATE?: string | undefined;
  FM_NOTIFY_SMS_TOKEN?: string | undefined;
  FM_NOTIFY_SMS_DAILY_CAP: number;
  FM_NOTIFY_RETRY_MAX_S: number;
  FM_NOTIFY_MAX_ATTEMPTS: number;
  FM_NOTIFY_DEAD_AFTER: number;
}

/** Settings that only make sense together, as `NAME=null: why` lines (config.ts refuses the start). */
export function notifySettingProblems(c: NotifySettings): string[] {
  const out: string[] = [];
  if (c.FM_NOTIFY_SMTP_URL && !c.FM_NOTIFY_SMTP_FROM)
    out.push('FM_NOTIFY_SMTP_FROM=null: required with FM_NOTIFY_SMTP_URL');
  if (c.FM_NOTIFY_SMS_URL && !c.FM_NOTIFY_SMS_TEMPLATE)
    out.push('FM_NOTIFY_SMS_TEMPLATE=null: required with FM_NOTIFY_SMS_URL');
  return out;
}

/** The notification service's options; undefined when no channel is configured. */
export function notifyOptionsFromConfig(c: NotifySettings): NotifyOptions | undefined {
  const receivers = c.FM_NOTIFY_RECEIVERS ?? {};
  if (Object.keys(receivers).length === 0 && !c.FM_NOTIFY_SMTP_URL && !c.FM_NOTIFY_SMS_URL) return undefined;
  return {
    receivers,
    smtp: c.FM_NOTIFY_SMTP_URL
      ? { url: c.FM_NOTIFY_SMTP_URL, from: c.FM_NOTIFY_SMTP_FROM!, requireTls: c.FM_NOTIFY_SMTP_STARTTLS }
      : undefined,
    sms: c.FM_NOTIFY_SMS_URL
      ? {
          url: c.FM_NOTIFY_SMS_URL,
          template: c.FM_NOTIFY_SMS_TEMPLATE!,
          token: c.FM_NOTIFY_SMS_TOKEN,
          dailyCap: c.FM_NOTIFY_SMS_DAILY_CAP,
        }
      : undefined,
    consoleUrl: c.FM_NOTIFY_CONSOLE_URL?.replace(/\/+$/, ''),
    retryMinMs: 2000,
    retryMaxMs: c.FM_NOTIFY_RETRY_MAX_S * 1000,
    maxAttempts: c.FM_NOTIFY_MAX_ATTEMPTS,
    deadAfter: c.FM_NOTIFY_DEAD_AFTER,
  };
}

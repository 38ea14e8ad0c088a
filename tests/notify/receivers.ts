/**
 * Real HTTP receivers on 127.0.0.1 for the notification channels. Each checks the signature the way
 * its vendor documents it, written here from the published algorithm rather than by calling the
 * sender's code: the generic webhook (HMAC-SHA256 hex over `timestamp.body`, 5-minute window),
 * DingTalk (HmacSHA256(secret, `timestamp\nsecret`), Base64, URL-encoded in the query, ms, 1 h),
 * Feishu (HmacSHA256 keyed by `timestamp\nsecret` over nothing, Base64, s, 1 h), WeCom (the key in
 * the URL), and an SMS gateway (bearer token). It can be taken down (503) and brought back.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  query: URLSearchParams;
  body: Record<string, unknown>;
  /** The idempotency key the request carried (header, or the body's `key`). */
  key: string | undefined;
}

export interface Receivers {
  url: string;
  /** Accepted requests (signature good), in arrival order; repeats by key included. */
  received: Received[];
  /** Requests refused for a bad signature or an old timestamp, with why. */
  refused: string[];
  /** While true every request answers 503 (a receiver that is down). */
  down: boolean;
  /** Answer this many requests with 500 first, then recover (a flaky gateway). */
  failNext: number;
  /** Share of requests answered 500 at random (bench/notify.ts: 1%). */
  errorRate: number;
  close(): Promise<void>;
}

export const SECRETS = {
  webhook: 'whsec-test-0123456789',
  dingtalk: 'SECdingtalk0123456789',
  feishu: 'feishu-key-0123',
};
export const WECOM_KEY = 'wecom-key-693a91f6';
export const SMS_TOKEN = 'sms-token-0123456789';

const eq = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** `clock` is the receiver's own idea of now (ms), for the replay windows. */
export async function startReceivers(clock: () => number = Date.now): Promise<Receivers> {
  const r: Receivers = {
    url: '',
    received: [],
    refused: [],
    down: false,
    failNext: 0,
    errorRate: 0,
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://x');
      const answer = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (r.down) return answer(503, { error: 'down' });
      if (r.failNext > 0 || (r.errorRate > 0 && Math.random() < r.errorRate)) {
        r.failNext = Math.max(0, r.failNext - 1);
        return answer(500, { error: 'try later' });
      }
      const refuse = (why: string, status = 401, body: unknown = { error: why }) => {
        r.refused.push(`${url.pathname}: ${why}`);
        return answer(status, body);
      };
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw) as Record<string, unknown>;
      } catch {
        return refuse('not JSON', 400);
      }
      const now = clock();
      const accept = (key: string | undefined, reply: unknown = { ok: true }) => {
        r.received.push({ path: url.pathname, headers: req.headers, query: url.searchParams, body, key });
        return answer(200, reply);
      };
      if (url.pathname === '/webhook' || url.pathname.startsWith('/webhook/')) {
        const ts = String(req.headers['x-fm-timestamp'] ?? '');
        const sig = String(req.headers['x-fm-signature'] ?? '');
        const expected = `v1=${createHmac('sha256', SECRETS.webhook).update(`${ts}.${raw}`).digest('hex')}`;
        if (!eq(sig, expected)) return refuse('bad signature');
        if (Math.abs(now / 1000 - Number(ts)) > 300) return refuse('timestamp outside the 5-minute window');
        return accept(String(req.headers['idempotency-key'] ?? ''));
      }
      if (url.pathname === '/dingtalk') {
        const ts = url.searchParams.get('timestamp') ?? '';
        // The query is already URL-decoded by URLSearchParams: compare the Base64 itself.
        const sign = url.searchParams.get('sign') ?? '';
        const expected = createHmac('sha256', SECRETS.dingtalk)
          .update(`${ts}\n${SECRETS.dingtalk}`)
          .digest('base64');
        if (!eq(sign, expected))
          return refuse('sign mismatch', 200, { errcode: 310000, errmsg: 'sign not match' });
        if (Math.abs(now - Number(ts)) > 3_600_000)
          return refuse('timestamp over an hour off', 200, { errcode: 310000, errmsg: 'timestamp expired' });
        return accept(undefined, { errcode: 0, errmsg: 'ok' });
      }
      if (url.pathname === '/feishu') {
        const ts = String(body.timestamp ?? '');
        const expected = createHmac('sha256', `${ts}\n${SECRETS.feishu}`).update('').digest('base64');
        if (!eq(String(body.sign ?? ''), expected))
          return refuse('sign mismatch', 200, {
            code: 19021,
            msg: 'sign match fail or timestamp is not within one hour from current time',
          });
        if (Math.abs(now / 1000 - Number(ts)) > 3600)
          return refuse('timestamp over an hour off', 200, { code: 19021 });
        return accept(undefined, { code: 0, msg: 'success' });
      }
      if (url.pathname === '/wecom') {
        if (url.searchParams.get('key') !== WECOM_KEY)
          return refuse('invalid webhook url', 200, { errcode: 93000, errmsg: 'invalid webhook url' });
        return accept(undefined, { errcode: 0, errmsg: 'ok' });
      }
      if (url.pathname === '/sms') {
        if (req.headers.authorization !== `Bearer ${SMS_TOKEN}`) return refuse('bad token');
        return accept(String(req.headers['idempotency-key'] ?? ''), { code: 'OK' });
      }
      return refuse('no such path', 404);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}

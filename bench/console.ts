/**
 * The console, measured (issue 14): the first load of the front desk's queue and of the engineer's
 * slip list in headless chromium under Lighthouse's "slow 4G" profile (150 ms RTT, 1.6 Mbit/s down,
 * 750 kbit/s up, CPU 4x slower): bytes on the wire and the time until the page's data is drawn and
 * it answers taps; then how long a fault a simulated device raises takes to appear in an open queue
 * page (through the broker, rules, the desk and the live stream), p50/p99 over N faults.
 *
 *   node bin/run-ts.js bench/console.ts [--faults 100]
 *
 * Runs `facility start` with the demo estate in this process (demo faults off), on 127.0.0.1 in a
 * temporary directory, and Debian's /usr/bin/chromium. Bars: phone pages under 100 KB compressed
 * on first load; a fault visible in the queue within 2 s p99.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../src/config.ts';
import { startPlatform } from '../src/platform.ts';
import { DESKTOP, launchBrowser, PHONE } from '../tests/support/browser.ts';
import { tempDir } from '../tests/support/servers.ts';

const { values } = parseArgs({ options: { faults: { type: 'string', default: '100' } } });
const FAULTS = Number(values.faults);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dataDir = tempDir('bench-console');
const config = loadConfig({
  FM_DATA_DIR: dataDir,
  FM_MQTT_PORT: '0',
  FM_MQTT_WS_PORT: '0',
  FM_API_PORT: '0',
});
const platform = await startPlatform({ config, log: pino({ level: 'warn' }), demo: true, demoFaults: false });
const base = platform.api.address;
const admin = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
const pw = Object.fromEntries(
  (
    JSON.parse(readFileSync(join(dataDir, 'demo-sign-ins.json'), 'utf8')) as {
      username: string;
      password: string;
    }[]
  ).map((s) => [s.username, s.password]),
);
const browser = await launchBrowser();

async function signIn(ctx: BrowserContext, who: string, next: string): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${base}/sign-in?next=${encodeURIComponent(next)}`);
  await page.fill('#login', who);
  await page.fill('#password', pw[who]!);
  await page.click('main button[type=submit]');
  await page.waitForURL((u) => u.pathname === next.split('?')[0]);
  return page;
}

/** A cold first load under slow 4G: bytes (encoded, headers included) and ms until drawn. */
async function firstLoad(who: string, path: string, ready: string, viewport: typeof DESKTOP) {
  const warm = await browser.newContext({ viewport });
  await signIn(warm, who, path);
  const cookies = await warm.cookies();
  await warm.close();
  const ctx = await browser.newContext({ viewport, isMobile: viewport === PHONE });
  await ctx.addCookies(cookies.filter((c) => c.name === 'fm_session'));
  const page = await ctx.newPage();
  const cdp = await ctx.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 150,
    downloadThroughput: (1.6 * 1024 * 1024) / 8,
    uploadThroughput: (750 * 1024) / 8,
  });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
  const urls = new Map<string, string>();
  let bytes = 0;
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.loadingFinished', (e) => {
    if (!urls.get(e.requestId)?.includes('/stream')) bytes += e.encodedDataLength;
  });
  const started = Date.now();
  await page.goto(`${base}${path}`);
  await page.waitForSelector(ready, { state: 'attached' });
  // Interactive: the main thread is free to answer a tap (a task queued now runs at once).
  await page.evaluate('new Promise((r) => setTimeout(r, 0))');
  const ms = Date.now() - started;
  await sleep(1000); // late requests (icon, manifest, service worker) are part of the first load too
  await ctx.close();
  return { bytes, ms, requests: urls.size };
}

const desk = await firstLoad('desk', '/desk?site=demo', '#queue tbody tr', DESKTOP);
const slips = await firstLoad('engineer', '/m', '#slips[aria-busy="false"]', PHONE);
console.log('first load under slow 4G (150 ms RTT, 1.6 Mbit/s, CPU x4)');
console.log(
  `  front desk queue   ${(desk.bytes / 1024).toFixed(1)} KB in ${desk.requests} requests, drawn and interactive in ${desk.ms} ms`,
);
console.log(
  `  engineer's slips   ${(slips.bytes / 1024).toFixed(1)} KB in ${slips.requests} requests, drawn and interactive in ${slips.ms} ms`,
);

// Fault to queue: an open desk page notes when each new row appears.
const deskCtx = await browser.newContext({ viewport: DESKTOP });
const page = await signIn(deskCtx, 'desk', '/desk?site=demo');
await page.waitForSelector('#live[data-live="yes"]');
await page.evaluate(`(() => {
  window.__seen = [];
  const known = new Set([...document.querySelectorAll('#queue tr[data-record]')].map((tr) => tr.dataset.record));
  new MutationObserver(() => {
    for (const tr of document.querySelectorAll('#queue tr[data-record]')) {
      if (known.has(tr.dataset.record)) continue;
      known.add(tr.dataset.record);
      window.__seen.push({ id: tr.dataset.record, text: tr.textContent, at: performance.timeOrigin + performance.now() });
    }
  }).observe(document.querySelector('#queue tbody'), { childList: true, subtree: true });
})()`);
const lifts = Array.from({ length: 6 }, (_, b) => [1, 2].map((c) => `L-B${b + 1}-${c}`)).flat();
// Each lift and fault once: rules hold a cleared fault back for a while before it counts again.
const faults = [
  'alarm_button',
  'door_open_failure',
  'door_close_failure',
  'entrapment',
  'door_lock_fault',
  'safety_circuit_open',
  'stop_outside_door_zone',
  'overspeed',
  'moving_door_open',
];
if (FAULTS > lifts.length * faults.length) throw new Error(`at most ${lifts.length * faults.length} faults`);
const latencies: number[] = [];
let missed = 0;
for (let i = 0; i < FAULTS; i++) {
  const device = lifts[i % lifts.length]!;
  const fault = faults[Math.floor(i / lifts.length) % faults.length]!;
  const raisedAt = Date.now();
  platform.fleet!.inject(device, fault, 'raise');
  let seen: { id: string; at: number } | undefined;
  const checked = new Set<string>();
  for (const deadline = Date.now() + 30_000; !seen && Date.now() < deadline; await sleep(25)) {
    const rows = (await page.evaluate('window.__seen')) as { id: string; text: string; at: number }[];
    for (const row of rows.filter((s) => s.text.includes(device) && s.at >= raisedAt && !checked.has(s.id))) {
      checked.add(row.id);
      // The row must be this fault's record (the device may have raised another meanwhile).
      const r = (await (
        await fetch(`${base}/records/${row.id}`, { headers: { authorization: `Bearer ${admin}` } })
      ).json()) as {
        faultCode: string | null;
      };
      if (r.faultCode === fault) seen = row;
    }
  }
  platform.fleet!.inject(device, fault, 'clear');
  if (!seen) {
    missed += 1;
    console.log(`  not seen: ${device} ${fault} (#${i})`);
    continue;
  }
  latencies.push(seen.at - raisedAt);
  // Cancelled as a mistake, so the same lift and fault open a new record when they come round again.
  await fetch(`${base}/records/${seen.id}/actions/cancel`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: '{"reason":"mistake","note":"benchmark"}',
  });
  await sleep(300);
}
latencies.sort((a, b) => a - b);
const q = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
console.log(
  `fault raised by a simulated device to its row in an open queue page, ${latencies.length} faults${missed ? ` (${missed} not seen within 30 s)` : ''}`,
);
const ms = (v: number | undefined) => `${Math.round(v ?? Number.NaN)} ms`;
console.log(`  p50 ${ms(q(50))}   p90 ${ms(q(90))}   p99 ${ms(q(99))}   max ${ms(latencies.at(-1))}`);
await deskCtx.close();
await browser.close();
await platform.stop();
rmSync(dataDir, { recursive: true, force: true });

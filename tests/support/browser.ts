/**
 * Debian's chromium driven by playwright-core through its executable path (never a browser
 * download), axe-core injected into pages, and screenshots for docs/screenshots/.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { requireBinary, tempDir } from './servers.ts';

export type { Browser, BrowserContext, Page };

const CHROMIUM = '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireBinary(CHROMIUM, 'chromium'),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

export const DESKTOP = { width: 1280, height: 800 };
/** A mid-range phone (CSS pixels), touch and mobile layout. */
export const PHONE = { width: 390, height: 844 };

export function phoneContext(
  browser: Browser,
  baseURL: string,
  extra: Parameters<Browser['newContext']>[0] = {},
) {
  return browser.newContext({
    baseURL,
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    ...extra,
  });
}

export function desktopContext(
  browser: Browser,
  baseURL: string,
  extra: Parameters<Browser['newContext']>[0] = {},
) {
  return browser.newContext({ baseURL, viewport: DESKTOP, locale: 'zh-CN', ...extra });
}

let axeSource: string | undefined;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * axe-core's violations of impact serious or critical on the page as it is now. The script is
 * evaluated in the page (not a <script src>), so the console's CSP does not stand in the way.
 */
export async function axeSerious(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations)",
  )) as AxeViolation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({
      ...v,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
}

/**
 * A screenshot of the page as `<name>-<desktop|phone>.png`: into docs/screenshots/ when
 * FM_SCREENSHOTS=1 (to check in when pages change), else a temporary directory so runs leave the
 * tree clean. Returns the path.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  shotDir ??= tempDir('screenshots');
  const dir =
    process.env.FM_SCREENSHOTS === '1'
      ? new URL('../../docs/screenshots/', import.meta.url).pathname
      : shotDir;
  mkdirSync(dir, { recursive: true });
  const size = (page.viewportSize()?.width ?? DESKTOP.width) < 600 ? 'phone' : 'desktop';
  const path = join(dir, `${name}-${size}.png`);
  await page.screenshot({ path, fullPage: false, animations: 'disabled', caret: 'hide' });
  return path;
}
let shotDir: string | undefined;

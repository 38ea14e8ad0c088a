/**
 * The console's static files (src/api/console/assets/): read once, compressed once (brotli and gzip),
 * served with a content hash in the URL so browsers keep them for a year and a new release is
 * fetched at once. No build step: what is in the folder is what the browser runs.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  webmanifest: 'application/manifest+json',
  json: 'application/json',
};

export interface Asset {
  name: string;
  type: string;
  body: Buffer;
  br: Buffer;
  gzip: Buffer;
  hash: string;
}

export class Assets {
  readonly #files = new Map<string, Asset>();

  constructor(dir: URL = new URL('./assets/', import.meta.url)) {
    for (const name of readdirSync(dir)) {
      const ext = name.split('.').pop() ?? '';
      const type = TYPES[ext];
      if (!type) continue;
      const body = readFileSync(new URL(name, dir));
      this.#files.set(name, {
        name,
        type,
        body,
        br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
        gzip: gzipSync(body, { level: 9 }),
        hash: createHash('sha256').update(body).digest('base64url').slice(0, 10),
      });
    }
  }

  get(name: string): Asset | undefined {
    return this.#files.get(name);
  }

  /** The URL a page links: /assets/<name>?v=<hash>. */
  url(name: string): string {
    const a = this.#files.get(name);
    if (!a) throw new Error(`no console asset "${name}"`);
    return `/assets/${name}?v=${a.hash}`;
  }
}

/** The best encoding the client accepts among ours (q-values are not weighed: browsers send both). */
export function pickEncoding(accept: string | undefined): 'br' | 'gzip' | undefined {
  if (!accept) return undefined;
  if (/\bbr\b/.test(accept)) return 'br';
  if (/\bgzip\b/.test(accept)) return 'gzip';
  return undefined;
}

/**
 * The console's words in English and Simplified Chinese. Pages pick a language from the `fm_lang`
 * cookie, else the browser's Accept-Language (Chinese unless English comes first: the product's
 * people are Chinese-speaking estates), and scripts get the words they need in the page.
 */
import type { FastifyRequest } from 'fastify';
import { STATE_LABELS } from '../../records/service/index.ts';
import { WORDS } from './words.ts';

export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];
export type WordKey = keyof typeof WORDS;

export function langOf(request: FastifyRequest): Lang {
  const cookie = (request.cookies as Record<string, string | undefined> | undefined)?.fm_lang;
  if (cookie === 'en' || cookie === 'zh-CN') return cookie;
  const accept = request.headers['accept-language'] ?? '';
  const first = accept.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('en') ? 'en' : 'zh-CN';
}

/** A word, with `{name}` placeholders filled from vars. */
export function t(lang: Lang, key: WordKey, vars: Record<string, string | number> = {}): string {
  const [en, zh] = WORDS[key];
  const text = lang === 'en' ? en : zh;
  return text.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}

/** The words a page's script needs, in the page's language (keys starting with any prefix). */
export function wordsFor(lang: Lang, prefixes: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(WORDS) as WordKey[]) {
    if (prefixes.some((p) => key.startsWith(p))) out[key] = t(lang, key);
  }
  for (const [state, l] of Object.entries(STATE_LABELS)) out[`state.${state}`] = lang === 'en' ? l.en : l.zh;
  return out;
}

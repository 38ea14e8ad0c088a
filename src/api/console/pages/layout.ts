/** The frame every console page shares: language, navigation for the person's roles, assets. */
import { DUTY_WRITERS, ROUND_PLANNERS, type Role, STATS_READERS } from '../../roles.ts';
import type { Assets } from '../assets.ts';
import { type Html, html, jsonBlock } from '../html.ts';
import { type Lang, t, type WordKey, wordsFor } from '../i18n.ts';
import type { Session } from '../sessions.ts';

export interface PageContext {
  lang: Lang;
  path: string;
  assets: Assets;
  session?: Session;
  /** The session's CSRF token, masked for this page (csrf.ts). */
  csrf?: string;
}

interface NavItem {
  href: string;
  word: WordKey;
  roles: readonly Role[];
}

/** Which page each role starts on and sees in the menu. */
export const DESK_ROLES: readonly Role[] = ['front_desk', 'supervisor', 'manager', 'admin'];

export const NAV: readonly NavItem[] = [
  { href: '/desk', word: 'nav.desk', roles: DESK_ROLES },
  { href: '/m', word: 'nav.mine', roles: ['engineer', 'supervisor'] },
  { href: '/m/alerts', word: 'nav.alerts', roles: ['guard', 'supervisor', 'manager'] },
  { href: '/m/rounds', word: 'nav.rounds', roles: ['guard', 'engineer', 'supervisor'] },
  { href: '/manage', word: 'nav.manage', roles: STATS_READERS },
  { href: '/manage/duty', word: 'nav.duty', roles: DUTY_WRITERS },
  { href: '/estate', word: 'nav.estate', roles: [...DESK_ROLES, 'engineer'] },
  { href: '/manage/plans', word: 'nav.plans', roles: [...DESK_ROLES, 'engineer'] },
  { href: '/admin/people', word: 'nav.people', roles: ['admin'] },
  { href: '/admin/qr', word: 'nav.qr', roles: ['admin'] },
  { href: '/manage/zones', word: 'nav.zones', roles: ROUND_PLANNERS },
];

export function navFor(roles: readonly Role[]): NavItem[] {
  return NAV.filter((n) => n.roles.some((r) => roles.includes(r)));
}

/** Where a person lands after signing in: the first page of their roles. */
export function homeFor(roles: readonly Role[]): string {
  // Managers read the figures; the desk is theirs too, but not where their day starts.
  if (roles.includes('manager') && !roles.includes('front_desk') && !roles.includes('supervisor'))
    return '/manage';
  return navFor(roles)[0]?.href ?? '/';
}

export interface PageSpec {
  title: string;
  body: Html;
  /** Scripts after common.js, as ES modules. */
  scripts?: string[];
  /** Word prefixes the scripts need (i18n.wordsFor). */
  words?: string[];
  /** Data for the scripts (an inert JSON block, id "page-data"). */
  data?: unknown;
  /** A phone page: the web manifest and a lighter header. */
  phone?: boolean;
}

function header(p: PageContext, phone: boolean): Html {
  const other: Lang = p.lang === 'en' ? 'zh-CN' : 'en';
  const lang = html`<a class="lang" href="/lang/${other}?next=${encodeURIComponent(p.path)}" lang="${other}">${t(p.lang, 'nav.lang')}</a>`;
  if (!p.session)
    return html`<header class="top"><span class="brand">${t(p.lang, 'app.name')}</span>${lang}</header>`;
  const items = navFor(p.session.principal.roles).map(
    (n) =>
      html`<li><a href="${n.href}"${p.path === n.href ? html` aria-current="page"` : ''}>${t(p.lang, n.word)}</a></li>`,
  );
  return html`<header class="top${phone ? ' phone' : ''}">
<a class="brand" href="/">${t(p.lang, 'app.name')}</a>
<nav aria-label="main"><ul>${items}</ul></nav>
<span class="who">${p.session.name}</span>${lang}
<form method="post" action="/sign-out" class="inline"><input type="hidden" name="_csrf" value="${p.csrf ?? ''}"><button type="submit" class="link">${t(p.lang, 'nav.signOut')}</button></form>
</header>`;
}

export function page(p: PageContext, spec: PageSpec): Html {
  const scripts = spec.scripts?.length ? ['common.js', ...spec.scripts] : [];
  const session = p.session
    ? {
        userId: p.session.principal.userId,
        roles: p.session.principal.roles,
        sites: p.session.sites,
        name: p.session.name,
      }
    : null;
  return html`<!doctype html>
<html lang="${p.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${spec.title} · ${t(p.lang, 'app.name')}</title>
<link rel="stylesheet" href="${p.assets.url('console.css')}">
<link rel="icon" href="${p.assets.url('icon.svg')}" type="image/svg+xml">
${spec.phone ? html`<link rel="manifest" href="/m/manifest.webmanifest"><meta name="theme-color" content="#12355b">` : ''}
${p.csrf ? html`<meta name="csrf-token" content="${p.csrf}">` : ''}
</head>
<body>
<a class="skip" href="#main">${t(p.lang, 'nav.skip')}</a>
${header(p, spec.phone ?? false)}
<main id="main">
${spec.body}
</main>
<div id="toast" role="status" aria-live="polite"></div>
${scripts.length ? jsonBlock('page-words', wordsFor(p.lang, ['err.', 'role.', ...(spec.words ?? [])])) : ''}
${scripts.length ? jsonBlock('page-data', { lang: p.lang, session, phone: spec.phone ?? false, ...(spec.data as object | undefined) }) : ''}
${scripts.map((s) => html`<script type="module" src="${p.assets.url(s)}"></script>`)}
</body>
</html>`;
}

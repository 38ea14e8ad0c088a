/** The languages of generated titles, texts, dashboards and pages: words every folder shares. */
export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];

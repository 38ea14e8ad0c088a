import { settings } from './settings.ts';

/**
 * What the platform may print of a setting's value. Messages end up in terminals, journald and
 * bug reports: a secret setting is never shown, and neither is the password of any URL (a
 * DATABASE_URL with a bad port is refused, and printed, with its password inside).
 */
const SECRETS = new Set(
  Object.entries(settings)
    .filter(([, s]) => 'secret' in s && s.secret)
    .map(([name]) => name),
);

/** Whether a setting holds a secret as a whole (tokens, passwords). */
export function isSecret(name: string): boolean {
  return SECRETS.has(name);
}

/**
 * `scheme://user:password@host/...` with the password replaced by `***`, and password-like
 * query parameters (libpq reads `password=`) likewise. Works on malformed URLs, since those are
 * exactly the ones that get printed; when unsure it hides more, never less.
 */
export function hideUrlPassword(value: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([\s\S]*)$/i.exec(value);
  if (!m) return value;
  const [, scheme, rest] = m as unknown as [string, string, string];
  const at = rest.lastIndexOf('@');
  const userinfo = at < 0 ? '' : rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  const hidden = colon < 0 ? value : `${scheme}${userinfo.slice(0, colon)}:***${rest.slice(at)}`;
  return hidden.replace(/([?&][^=&#]*(?:password|secret|token)[^=&#]*=)[^&#]*/gi, '$1***');
}

/** A setting's value as a message may show it: `<hidden>` for a secret, URLs without passwords. */
export function shownValue(name: string, value: unknown): string {
  if (value !== undefined && value !== null && isSecret(name)) return '<hidden>';
  return JSON.stringify(typeof value === 'string' ? hideUrlPassword(value) : (value ?? null));
}

/** The whole configuration as `facility config` prints it: secrets `***`, URL passwords hidden. */
export function redactedConfig<C extends object>(config: C): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(config).map(([name, value]) => [
      name,
      isSecret(name)
        ? value
          ? '***'
          : undefined
        : typeof value === 'string'
          ? hideUrlPassword(value)
          : value,
    ]),
  );
}

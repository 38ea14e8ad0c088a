/**
 * Editing a person from the console (`/manage/people/:id`, docs/console.md). The page's plain form
 * post is handed to the API's own `PATCH /staff/:id` (inject(), with the browser's session cookie
 * and the form's CSRF token as the API's header), so the API's roles, site scope and schema decide
 * exactly as for a script or a token; its refusal comes back next to the form in the person's
 * language. Nothing here decides who may change what.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Records } from '../../../records/index.ts';
import type { ServiceDesk } from '../../desk.ts';
import { scopeOf } from '../../plugins/sites.ts';
import { DUTY_WRITERS } from '../../roles.ts';
import { type Lang, t, type WordKey } from '../i18n.ts';
import type { PageContext } from '../pages/layout.ts';
import { formOf, type PersonForm, personPage } from '../pages/person.ts';
import type { ConsoleState } from '../state.ts';
import { safeNext, sameOrigin, sendPage, staffPage } from '../web.ts';
import { WORDS } from '../words.ts';

type Form = Record<string, unknown>;

const text = (v: unknown, max: number) => (typeof v === 'string' ? v.trim().slice(0, max) : '');
/** A repeated field (checkboxes): formbody gives one value as a string, several as an array. */
const texts = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v])
    .filter((x): x is string => typeof x === 'string')
    .slice(0, 50)
    .map((x) => x.slice(0, 64));

export function readForm(body: Form): PersonForm {
  return {
    trades: texts(body.trades),
    sites: texts(body.sites),
    phone: text(body.phone, 64),
    email: text(body.email, 300),
    notifyVia: texts(body.notifyVia),
    quietFrom: text(body.quietFrom, 16),
    quietTo: text(body.quietTo, 16),
  };
}

/**
 * The `PATCH /staff/:id` body: every field the form shows. Empty phone, e-mail and quiet hours
 * clear them; one quiet-hours time without the other is sent as it is, for the API to refuse.
 */
export function patchOf(f: PersonForm) {
  return {
    trades: f.trades,
    sites: f.sites,
    phone: f.phone || null,
    email: f.email || null,
    notifyVia: f.notifyVia,
    quietHours: f.quietFrom || f.quietTo ? `${f.quietFrom}-${f.quietTo}` : null,
  };
}

export interface ApiRefusal {
  code?: string;
  message?: string;
  /** The API names a bad field as `body.<name>[.<index>]` (plugins/errors.ts). */
  field?: string;
}

const known = (key: string): key is WordKey => key in WORDS;

/** The API's refusal in the person's language, with the form field it names (to mark it). */
export function refusal(lang: Lang, status: number, e: ApiRefusal = {}): { message: string; field?: string } {
  const field = e.field?.startsWith('body.') ? e.field.split('.')[1] : undefined;
  if (e.code === 'invalid-input' && field) {
    const key = `pe.bad.${field}`;
    return {
      message: known(key) ? t(lang, key) : t(lang, 'pe.bad.other', { message: e.message ?? '' }),
      field,
    };
  }
  const key = `pe.err.${e.code}`;
  if (known(key)) return { message: t(lang, key) };
  return { message: t(lang, 'pe.err.other', { message: e.message ?? String(status) }) };
}

/** The way back: the duty page (with its site) or the admins' people page, nothing else. */
function backOf(v: unknown): string {
  const next = safeNext(v);
  return next && /^\/(manage\/duty|admin\/people)(\?|$)/.test(next) ? next : '/manage/duty';
}

export interface PersonPagesOptions {
  state: ConsoleState;
  desk: ServiceDesk | undefined;
  records: Records;
}

export function personPages(app: FastifyInstance, d: PersonPagesOptions): void {
  /** The person as the API's list shows them to this sign-in, and the sites it may give. */
  async function load(p: PageContext, id: string) {
    if (!d.desk) return undefined;
    const scope = scopeOf(p.session?.principal);
    const person = (await d.desk.listStaff(undefined, scope)).find((s) => s.id === id);
    if (!person) return undefined;
    return { person, sites: await d.records.listSites(scope) };
  }
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;
  /** No such person for this sign-in: 404, as the API answers; no desk at all: 503, as it does. */
  const missing = (p: PageContext, reply: FastifyReply) =>
    d.desk
      ? reply.code(404).type('text/plain; charset=utf-8').send(t(p.lang, 'pe.notFound'))
      : reply.code(503).type('text/plain; charset=utf-8').send('the service desk is not running');

  app.get('/manage/people/:id', async (request, reply) => {
    const p = await staffPage(request, reply, d.state, DUTY_WRITERS);
    if (!p) return;
    const found = await load(p, idOf(request));
    if (!found) return missing(p, reply);
    const q = request.query as Form;
    return sendPage(
      reply,
      personPage(p, { ...found, form: formOf(found.person), back: backOf(q.back), saved: q.saved === '1' }),
    );
  });

  app.post('/manage/people/:id', async (request, reply) => {
    const p = await staffPage(request, reply, d.state, DUTY_WRITERS);
    if (!p) return;
    const id = idOf(request);
    const body = (request.body ?? {}) as Form;
    const found = await load(p, id);
    if (!found) return missing(p, reply);
    const form = readForm(body);
    const back = backOf(body.back);
    const again = (status: number, error: { message: string; field?: string }) =>
      sendPage(reply, personPage(p, { ...found, form, back, error }), status);
    // The API takes its CSRF token from a header no other site can set; a form post can come from
    // anywhere, so its origin is checked first (OWASP: verify origin with standard headers).
    if (!sameOrigin(request)) return again(403, { message: t(p.lang, 'pe.stale') });
    const res = await app.inject({
      method: 'PATCH',
      url: `/staff/${encodeURIComponent(id)}`,
      headers: {
        cookie: request.headers.cookie ?? '',
        'x-csrf-token': typeof body._csrf === 'string' ? body._csrf : '',
        'content-type': 'application/json',
        accept: 'application/json',
      },
      // The API's per-address limit counts the browser, not the console.
      remoteAddress: request.ip,
      payload: JSON.stringify(patchOf(form)),
    });
    if (res.statusCode === 200) {
      const q = new URLSearchParams({ saved: '1', back });
      return reply.redirect(`/manage/people/${encodeURIComponent(id)}?${q}`, 303);
    }
    if (res.statusCode === 401)
      return reply.redirect(`/sign-in?ended=1&next=${encodeURIComponent(request.url)}`, 303);
    let error: ApiRefusal | undefined;
    try {
      error = (res.json() as { error?: ApiRefusal }).error;
    } catch {
      error = undefined;
    }
    request.log.info(
      { staffId: id, status: res.statusCode, code: error?.code },
      'console: staff change refused',
    );
    return again(res.statusCode, refusal(p.lang, res.statusCode, error));
  });
}

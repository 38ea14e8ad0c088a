/**
 * Residents report from a QR code, without an account: the form, the report (a call-source record
 * at the place through the service desk, merged into the device's open record if it has one), the
 * status link, and the admins' printable sheet of codes.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../../clock.ts';
import type { Records } from '../../../records/index.ts';
import { type AttachmentStore, sniffImage } from '../../attachments.ts';
import type { ServiceDesk } from '../../desk.ts';
import { scopeOf } from '../../plugins/sites.ts';
import { csrfMatches } from '../csrf.ts';
import { t } from '../i18n.ts';
import { qrPage, reportPage, statusPage, unknownPlacePage } from '../pages/report.ts';
import { type PlaceStore, PROBLEMS } from '../places.ts';
import { RateWindow } from '../rate-window.ts';
import { type ConsoleState, PRE_COOKIE } from '../state.ts';
import { basePage, preCsrf, sameOrigin, sendPage, staffPage } from '../web.ts';

type Form = Record<string, unknown>;
const str = (v: unknown, max: number) => (typeof v === 'string' ? v.trim().slice(0, max) : '');
const PHONE = /^[0-9+\-() ]{3,32}$/;
/** The desk's actor for QR reports: the first receiver is the platform; the desk dispatches. */
const QR_ACTOR = { id: 'qr', role: 'service' } as const;

class StaleForm extends Error {}

/**
 * The form's fields, and its photo if one came (multipart). The token is checked as soon as the
 * file begins, so a forged form's upload is never read.
 */
async function readReport(
  request: FastifyRequest,
  genuine: (form: Form) => boolean,
): Promise<{ form: Form; photo?: { filename: string; data: Buffer } }> {
  if (!request.isMultipart()) return { form: (request.body ?? {}) as Form };
  const form: Form = {};
  let photo: { filename: string; data: Buffer } | undefined;
  for await (const part of request.parts()) {
    if (part.type === 'field') form[part.fieldname] = part.value;
    else if (part.fieldname === 'photo' && part.filename) {
      if (!genuine(form)) throw new StaleForm();
      photo = { filename: part.filename, data: await part.toBuffer() };
    } else await part.toBuffer(); // an empty file input, or an unknown one: drained, ignored
  }
  return { form, photo };
}

export interface ResidentDeps {
  state: ConsoleState;
  places: PlaceStore;
  desk: ServiceDesk | undefined;
  records: Records;
  attachments: AttachmentStore;
  now: Clock;
}

export function residentRoutes(app: FastifyInstance, d: ResidentDeps): void {
  // Five reports per phone per ten minutes; twenty per place per hour (a stuck lift draws many).
  const perAddress = new RateWindow(d.records.db, 5, 10 * 60_000, d.now);
  const perPlace = new RateWindow(d.records.db, 20, 60 * 60_000, d.now);
  const noIndex = { 'x-robots-tag': 'noindex, nofollow' };

  app.get('/r/:code', async (request, reply) => {
    const p = basePage(request, d.state);
    const place = await d.places.get((request.params as { code: string }).code);
    reply.headers(noIndex);
    if (!place) return sendPage(reply, unknownPlacePage(p), 404);
    return sendPage(reply, reportPage(p, { place, preCsrf: preCsrf(request, reply) }));
  });

  app.post('/r/:code', async (request, reply) => {
    const p = basePage(request, d.state);
    const place = await d.places.get((request.params as { code: string }).code);
    reply.headers(noIndex);
    if (!place) return sendPage(reply, unknownPlacePage(p), 404);
    const genuine = (f: Form) =>
      sameOrigin(request) && csrfMatches(request.cookies[PRE_COOKIE] ?? '', f._csrf);
    let form: Form = {};
    let photo: { filename: string; data: Buffer } | undefined;
    let fault: 'stale' | 'too-big' | undefined;
    try {
      ({ form, photo } = await readReport(request, genuine));
    } catch (err) {
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') fault = 'too-big';
      else if (err instanceof StaleForm) fault = 'stale';
      else throw err;
    }
    const fields = {
      problem: str(form.problem, 32),
      detail: str(form.detail, 500),
      phone: str(form.phone, 32),
    };
    const again = (status: number, message: string) =>
      sendPage(
        reply,
        reportPage(p, { place, preCsrf: preCsrf(request, reply), message, form: fields }),
        status,
      );
    if (fault === 'too-big') return again(413, t(p.lang, 'r.photoTooBig'));
    if (fault || !genuine(form)) return again(403, t(p.lang, 'signIn.stale'));
    if (photo && !sniffImage(photo.data)) return again(415, t(p.lang, 'r.photoType'));
    const problem = (PROBLEMS[place.sort] ?? []).find((x) => x.key === fields.problem);
    if (!problem) return again(400, t(p.lang, 'r.choose'));
    if (fields.phone && !PHONE.test(fields.phone)) return again(400, t(p.lang, 'r.badPhone'));
    for (const limit of [await perAddress.take(`a:${request.ip}`), await perPlace.take(`p:${place.code}`)]) {
      if (!limit.ok) {
        reply.header('retry-after', String(Math.ceil(limit.retryAfterMs / 1000)));
        request.log.warn({ place: place.code, address: request.ip }, 'resident report refused: rate limit');
        return again(429, t(p.lang, 'r.tooMany', { min: Math.ceil(limit.retryAfterMs / 60_000) }));
      }
    }
    if (!d.desk)
      return reply.code(503).type('text/plain; charset=utf-8').send('the service desk is not running');
    const said = t(p.lang, `r.p.${problem.key}` as Parameters<typeof t>[1]);
    const created = await d.desk.createRecord(
      {
        site: place.site,
        source: 'call',
        type: problem.type,
        trade: problem.trade,
        priority: problem.priority,
        title: `${place.label}: ${said}`.slice(0, 200),
        content: `[QR ${place.code}] ${said}${fields.detail ? `: ${fields.detail}` : ''}`,
        ...(place.deviceId ? { deviceId: place.deviceId } : {}),
        ...(place.building ? { building: place.building } : {}),
        ...(place.floor !== null ? { floor: place.floor } : {}),
        ...(place.area ? { area: place.area } : {}),
        location: place.label.slice(0, 200),
        contactName: t(p.lang, 'r.title'),
        ...(fields.phone ? { contactPhone: fields.phone } : {}),
        merge: 'auto',
      },
      QR_ACTOR,
    );
    const token = await d.places.addReport({
      code: place.code,
      recordId: created.record.id,
      problem: problem.key,
      merged: created.merged,
    });
    if (photo) {
      const added = await d.attachments.add({
        recordId: created.record.id,
        site: place.site,
        filename: photo.filename,
        data: photo.data,
        by: QR_ACTOR.id,
      });
      await d.desk.transition(created.record.id, 'note', QR_ACTOR, {
        note: `photo ${added.id}: ${added.filename} (QR ${place.code})`,
      });
    }
    request.log.info(
      { place: place.code, recordId: created.record.id, merged: created.merged, priority: problem.priority },
      'resident report by QR code',
    );
    return reply.redirect(`/r/s/${token}?new=${created.merged ? 'merged' : '1'}`, 303);
  });

  app.get('/r/s/:token', async (request, reply) => {
    const p = basePage(request, d.state);
    const { token } = request.params as { token: string };
    const status = await d.places.status(token);
    reply.headers(noIndex);
    if (!status) return sendPage(reply, unknownPlacePage(p), 404);
    const fresh = (request.query as Form).new;
    const link = `${request.protocol}://${request.host}/r/s/${token}`;
    return sendPage(
      reply,
      statusPage(p, { status, link, fresh: Boolean(fresh), merged: fresh === 'merged' }),
    );
  });

  app.get('/admin/qr', async (request, reply) => {
    const p = await staffPage(request, reply, d.state, ['admin']);
    if (!p) return;
    // The codes of the sites this admin's sign-in covers (the API's scope rule).
    const sites = await d.records.listSites(scopeOf(p.session?.principal));
    const asked = (request.query as Form).site;
    const site = sites.find((s) => s.id === asked)?.id ?? sites[0]?.id;
    if (site) await d.places.ensure(site, p.session!.principal.userId);
    const places = site ? await d.places.list(site) : [];
    const origin = `${request.protocol}://${request.host}`;
    return sendPage(reply, qrPage(p, { sites, site, places, origin }));
  });
}

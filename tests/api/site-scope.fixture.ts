/**
 * The two-site estate of the site-scope suite: per site a lift, an engineer on duty, a record with a
 * photo, an alert and a maintenance window.
 */
import { ADMIN, addPerson, multipartBody, TINY_PNG } from '../console/support.ts';
import type { TestApi } from './support.ts';

/** The ids of a site's record, its alert, a maintenance window, a shift and a photo. */
export interface SiteIds {
  record: number;
  alert: number;
  window: number;
  shift: number;
  photo: number;
}

const ok = async (res: Promise<{ statusCode: number; body: string; json: () => unknown }>) => {
  const r = await res;
  if (r.statusCode >= 300) throw new Error(`seed: ${r.statusCode} ${r.body}`);
  return r.json() as Record<string, unknown> & { id: number };
};

export async function seedSite(t: TestApi, site: string, lift: string): Promise<SiteIds> {
  await ok(t.call(ADMIN, 'POST', '/sites', { id: site, name: site }));
  await ok(t.call(ADMIN, 'POST', `/sites/${site}/buildings`, { id: 'B1', name: 'B1', floors: 9 }));
  await ok(t.call(ADMIN, 'POST', '/devices', { id: lift, site, kind: 'lift', building: 'B1' }));
  await addPerson(t, { id: `eng-${site}`, roles: ['engineer'], trades: ['engineering'], sites: [site] });
  const shift = await ok(
    t.call(ADMIN, 'POST', '/duty-shifts', {
      site,
      staffId: `eng-${site}`,
      trade: 'engineering',
      starts: '00:00',
      ends: '00:00',
    }),
  );
  const created = (await ok(
    t.call(ADMIN, 'POST', '/records', {
      site,
      source: 'call',
      type: 'repair',
      trade: 'engineering',
      content: `lift stuck at ${site}`,
      contactPhone: '13800001234',
      deviceId: lift,
    }),
  )) as unknown as { record: { id: number } };
  const alert = await ok(t.call(ADMIN, 'POST', '/alerts', { deviceId: lift, code: 'intrusion' }));
  const window = await ok(
    t.call(ADMIN, 'POST', '/maintenance-windows', {
      site,
      scope: 'device',
      target: lift,
      startsAt: new Date(t.clock.t + 3600_000).toISOString(),
      endsAt: new Date(t.clock.t + 7200_000).toISOString(),
    }),
  );
  const { payload, contentType } = multipartBody({}, { name: 'p.png', type: 'image/png', data: TINY_PNG });
  const photo = await t.app.inject({
    method: 'POST',
    url: `/records/${created.record.id}/attachments`,
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': contentType },
    payload,
  });
  if (photo.statusCode !== 201) throw new Error(`photo: ${photo.body}`);
  return {
    record: created.record.id,
    alert: alert.id,
    window: window.id,
    shift: shift.id,
    photo: photo.json().id,
  };
}

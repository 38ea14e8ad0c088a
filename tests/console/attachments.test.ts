/**
 * Photos on records: content sniffed, size limited, added under the record's note rule and listed
 * in its history, served only to those who may see the record (another site's staff get 404).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlaceStore } from '../../src/api/console/places.ts';
import type { TestApi } from '../api/support.ts';
import {
  ADMIN,
  addPerson,
  cookiesOf,
  multipartBody,
  openTestApi,
  raiseEntrapment,
  type SignedIn,
  seedEstate,
  signIn,
  TINY_PNG,
} from './support.ts';

describe('photos on records', () => {
  let t: TestApi;
  let eng: SignedIn;
  let recordId: number;
  const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7)]);

  beforeAll(async () => {
    t = await openTestApi();
    await seedEstate(t);
    await t.call(ADMIN, 'POST', '/sites', { id: 'other', name: 'Other' });
    await addPerson(t, { id: 'desk-other', roles: ['front_desk'], sites: ['other'] });
    eng = await signIn(t, 'eng-1', 'pw-eng-1-secret');
    recordId = (await raiseEntrapment(t, 'ph-1')).record.id;
  });
  afterAll(async () => t?.close());

  const upload = (
    s: SignedIn | undefined,
    id: number,
    fields: Record<string, string>,
    file?: Parameters<typeof multipartBody>[1],
    csrf = true,
  ) => {
    const { payload, contentType } = multipartBody(fields, file);
    return t.app.inject({
      method: 'POST',
      url: `/records/${id}/attachments`,
      headers: {
        'content-type': contentType,
        ...(s ? { cookie: s.cookie, ...(csrf ? { 'x-csrf-token': s.csrf } : {}) } : {}),
      },
      payload,
    });
  };

  it('takes a JPEG, lists it in the history, and serves it with the type its bytes have', async () => {
    const res = await upload(
      eng,
      recordId,
      { label: 'before' },
      { name: '../../etc/门.jpg', type: 'text/plain', data: JPEG },
    );
    expect(res.statusCode).toBe(201);
    const a = res.json();
    expect(a).toMatchObject({
      mime: 'image/jpeg',
      sizeBytes: JPEG.length,
      label: 'before',
      createdBy: 'eng-1',
      filename: '门.jpg',
    });
    const detail = (await t.call(ADMIN, 'GET', `/records/${recordId}`)).json();
    expect(detail.history.at(-1)).toMatchObject({
      action: 'note',
      actorId: 'eng-1',
      note: `photo ${a.id} (before): 门.jpg`,
    });
    const list = await t.app.inject({
      url: `/records/${recordId}/attachments`,
      headers: { cookie: eng.cookie },
    });
    expect(list.json().items).toHaveLength(1);
    const got = await t.app.inject({
      url: `/records/${recordId}/attachments/${a.id}`,
      headers: { cookie: eng.cookie },
    });
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/jpeg');
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.rawPayload.equals(JPEG)).toBe(true);
    const png = await upload(eng, recordId, {}, { name: 'p.png', type: 'image/png', data: TINY_PNG });
    expect(png.json()).toMatchObject({ mime: 'image/png', label: null });
  });

  it('refuses what is not an image by its content, and what is too large', async () => {
    const html = await upload(
      eng,
      recordId,
      {},
      { name: 'x.jpg', type: 'image/jpeg', data: Buffer.from('<script>alert(1)</script>') },
    );
    expect(html.statusCode).toBe(415);
    const big = Buffer.concat([JPEG, Buffer.alloc(5 * 1024 * 1024)]);
    const tooBig = await upload(eng, recordId, {}, { name: 'big.jpg', type: 'image/jpeg', data: big });
    expect(tooBig.statusCode).toBe(413);
    const bad = await upload(
      eng,
      recordId,
      { label: 'during' },
      { name: 'a.jpg', type: 'image/jpeg', data: JPEG },
    );
    expect(bad.statusCode).toBe(400);
    expect((await t.call(ADMIN, 'GET', `/records/${recordId}/attachments`)).json().items).toHaveLength(2);
  });

  it('needs a session with its CSRF token, or a token, and an open record', async () => {
    expect(
      (await upload(undefined, recordId, {}, { name: 'a.jpg', type: 'image/jpeg', data: JPEG })).statusCode,
    ).toBe(401);
    const forged = await upload(eng, recordId, {}, { name: 'a.jpg', type: 'image/jpeg', data: JPEG }, false);
    expect(forged.statusCode).toBe(403);
    expect(forged.json().error.code).toBe('csrf-failed');
    const other = (await raiseEntrapment(t, 'ph-2', 'alarm_button')).record.id;
    await t.call(ADMIN, 'POST', `/records/${other}/actions/cancel`, { reason: 'mistake' });
    const closed = await upload(eng, other, {}, { name: 'a.jpg', type: 'image/jpeg', data: JPEG });
    expect(closed.statusCode).toBe(409);
    expect(closed.json().error.code).toBe('illegal-transition');
  });

  it('answers 404 to a person of another site, as if the photo did not exist', async () => {
    const stranger = await signIn(t, 'desk-other', 'pw-desk-other-secret');
    const [first] = (await t.call(ADMIN, 'GET', `/records/${recordId}/attachments`)).json().items;
    const get = await t.app.inject({
      url: `/records/${recordId}/attachments/${first.id}`,
      headers: { cookie: stranger.cookie },
    });
    expect(get.statusCode).toBe(404);
    expect(get.body).not.toContain('estate-1');
    const list = await t.app.inject({
      url: `/records/${recordId}/attachments`,
      headers: { cookie: stranger.cookie },
    });
    expect(list.statusCode).toBe(404);
    expect(
      (await upload(stranger, recordId, {}, { name: 'a.jpg', type: 'image/jpeg', data: JPEG })).statusCode,
    ).toBe(404);
    // The same person's own site is theirs to see.
    expect(
      (
        await t.app.inject({
          url: `/records/${recordId}/attachments/${first.id}`,
          headers: { cookie: eng.cookie },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('keeps a resident’s photo from a QR report with the record, and refuses a disguised one', async () => {
    const places = new PlaceStore(t.records.db, () => t.clock.t);
    await places.ensure('estate-1', 'admin');
    const code = (await places.list('estate-1')).find((p) => p.kind === 'device')!.code;
    const form = await t.app.inject({ url: `/r/${code}` });
    const pre = cookiesOf(form.headers).fm_pre!;
    const token = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const send = (data: Buffer, csrf = token) => {
      const { payload, contentType } = multipartBody(
        { _csrf: csrf, problem: 'doors' },
        { name: 'door.jpg', type: 'image/jpeg', data },
      );
      return t.app.inject({
        method: 'POST',
        url: `/r/${code}`,
        headers: { cookie: `fm_pre=${pre}`, 'content-type': contentType },
        payload,
      });
    };
    expect((await send(JPEG, 'A'.repeat(86))).statusCode).toBe(403);
    expect((await send(Buffer.from('GIF89a not allowed'))).statusCode).toBe(415);
    const ok = await send(JPEG);
    expect(ok.statusCode).toBe(303);
    const photos = (await t.call(ADMIN, 'GET', `/records/${recordId}/attachments`)).json().items;
    expect(photos.at(-1)).toMatchObject({ createdBy: 'qr', filename: 'door.jpg' });
  });
});

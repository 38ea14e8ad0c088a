/**
 * Photos on a record (multipart/form-data, field `photo`, optional field `label` before it: before
 * or after). Adding one follows the record's "note" rule (roles, an open record), and is listed in
 * its history as a note; reading follows the record's. A person whose sign-in is limited to some
 * sites gets 404 for another site's record's photos, as if they did not exist.
 */
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { dateOf } from '../../clock.ts';
import { decide, TRANSITIONS } from '../../records/service/index.ts';
import { AttachmentStore, MAX_PHOTO_BYTES, PHOTO_LABELS, type PhotoLabel } from '../attachments.ts';
import type { ApiContext } from '../context.ts';
import { actorFor, requireDesk } from '../desk.ts';
import { ApiError } from '../errors.ts';
import { principalOf } from '../plugins/auth.ts';
import { ANY_ROLE } from '../roles.ts';
import { commonErrors, conflict, errorBody, notFound } from '../schemas/common.ts';
import { recordParams } from '../schemas/records.ts';
import { siteLookups } from '../site-lookups.ts';

const attachment = z
  .object({
    id: z.number().int(),
    recordId: z.number().int(),
    site: z.string(),
    filename: z.string(),
    mime: z.string(),
    sizeBytes: z.number().int(),
    label: z.enum(PHOTO_LABELS).nullable(),
    createdAt: z.date(),
    createdBy: z.string(),
  })
  .meta({ id: 'Attachment' });

const tags = ['records'];
const NOTE_ROLES = TRANSITIONS.note.roles;

export const attachmentRoutes: FastifyPluginAsyncZod<ApiContext> = async (app, ctx) => {
  await app.register(multipart, {
    limits: { fileSize: MAX_PHOTO_BYTES, files: 1, fields: 4, fieldSize: 100, parts: 5 },
    throwFileSizeLimit: true,
  });
  const store = new AttachmentStore(ctx.records.db, ctx.now);

  const at = siteLookups(ctx.records.db);
  // config.sites answered 404 already for a record of a site the caller may not see.
  const visibleRecord = (id: number) => requireDesk(ctx.desk).getRecord(id);

  app.post(
    '/records/:id/attachments',
    {
      config: { roles: NOTE_ROLES, sites: at.record },
      schema: {
        tags,
        summary: 'Attach a photo (JPEG, PNG or WebP, at most 5 MiB), listed in the history as a note',
        description:
          'multipart/form-data: an optional `label` field (before, after), then the file in `photo`.',
        params: recordParams,
        response: {
          201: attachment,
          ...commonErrors,
          ...notFound,
          ...conflict,
          413: errorBody,
          415: errorBody,
          503: errorBody,
        },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const record = await visibleRecord(request.params.id);
      const actor = actorFor(principal, NOTE_ROLES);
      // The record's own rule for notes, before a byte is read: roles, and the record still open.
      decide(record, 'note', actor, { note: 'photo' }, dateOf(ctx.now));
      if (!request.isMultipart())
        throw new ApiError(
          415,
          'unsupported-media-type',
          'send multipart/form-data with the file in "photo"',
        );
      const file = await request.file();
      if (file?.fieldname !== 'photo')
        throw new ApiError(400, 'invalid-input', 'put the file in the "photo" field', 'body.photo');
      const labelField = file.fields.label;
      const raw =
        labelField && !Array.isArray(labelField) && labelField.type === 'field'
          ? labelField.value
          : undefined;
      if (raw !== undefined && raw !== '' && !PHOTO_LABELS.includes(raw as PhotoLabel))
        throw new ApiError(400, 'invalid-input', 'label is before or after', 'body.label');
      const label = raw ? (raw as PhotoLabel) : undefined;
      const data = await file.toBuffer();
      const added = await store.add({
        recordId: record.id,
        site: record.site,
        filename: file.filename,
        label,
        data,
        by: actor.id,
      });
      try {
        await requireDesk(ctx.desk).transition(record.id, 'note', actor, {
          note: `photo ${added.id}${label ? ` (${label})` : ''}: ${added.filename}`,
        });
      } catch (err) {
        await store.remove(added.id);
        throw err;
      }
      request.log.info(
        { recordId: record.id, attachment: added.id, bytes: added.sizeBytes, by: actor.id },
        'photo attached',
      );
      return reply.code(201).send(added);
    },
  );

  app.get(
    '/records/:id/attachments',
    {
      config: { roles: ANY_ROLE, sites: at.record },
      schema: {
        tags,
        summary: "A record's photos (without their bytes)",
        params: recordParams,
        response: {
          200: z.object({ items: z.array(attachment) }),
          ...commonErrors,
          ...notFound,
          503: errorBody,
        },
      },
    },
    async (request) => {
      const record = await visibleRecord(request.params.id);
      return { items: await store.list(record.id) };
    },
  );

  app.get(
    '/records/:id/attachments/:attachmentId',
    {
      config: { roles: ANY_ROLE, sites: at.record },
      schema: {
        tags,
        summary: 'One photo’s bytes, with the type its content has',
        params: recordParams.extend({ attachmentId: z.coerce.number().int().positive().max(2_147_483_647) }),
        response: {
          200: { description: 'the image', content: { 'image/*': { schema: z.string() } } },
          ...commonErrors,
          ...notFound,
          503: errorBody,
        },
      },
    },
    async (request, reply) => {
      const record = await visibleRecord(request.params.id);
      const found = await store.get(record.id, request.params.attachmentId);
      if (!found) throw new ApiError(404, 'attachment-not-found', 'no such photo on this record');
      return reply
        .type(found.mime)
        .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(found.filename)}`)
        .header('cache-control', 'private, max-age=3600')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(found.data as never); // bytes are sent as they are; the schema only documents them
    },
  );
};

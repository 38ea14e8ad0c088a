/**
 * Photos on records: the type is sniffed from the bytes (a file named .jpg that is not a JPEG is
 * refused), size and count are limited, and rows live beside the record. Who may add or read one is
 * decided by the routes with the record's own rules.
 */
import { createHash } from 'node:crypto';
import { type Clock, dateOf } from '../clock.ts';
import type { Queryable } from '../records/index.ts';
import { ApiError } from './errors.ts';

export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
export const MAX_PHOTOS_PER_RECORD = 30;
export const PHOTO_LABELS = ['before', 'after'] as const;
export type PhotoLabel = (typeof PHOTO_LABELS)[number];

export interface Attachment {
  id: number;
  recordId: number;
  site: string;
  filename: string;
  mime: string;
  sizeBytes: number;
  label: PhotoLabel | null;
  createdAt: Date;
  createdBy: string;
}

/** The image type the bytes are (JPEG, PNG, WebP by their signatures), or undefined. */
export function sniffImage(b: Buffer): 'image/jpeg' | 'image/png' | 'image/webp' | undefined {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP')
    return 'image/webp';
  return undefined;
}

/** A name safe to show and to put in a header: no path, no control characters, bounded. */
export function cleanFilename(name: string | undefined, mime: string): string {
  const base = (name ?? '')
    .split(/[\\/]/)
    .pop()!
    .replace(/[^\p{L}\p{N}._ -]/gu, '')
    .trim();
  return (base || `photo.${mime.split('/')[1]}`).slice(0, 100);
}

const COLUMNS = `id, record_id AS "recordId", site_id AS site, filename, mime, size_bytes AS "sizeBytes", label,
  created_at AS "createdAt", created_by AS "createdBy"`;

export class AttachmentStore {
  constructor(
    private readonly db: Queryable,
    private readonly now: Clock,
  ) {}

  /** Checks the bytes and stores them; throws 415 for what is not an image we take, 409 past the count. */
  async add(input: {
    recordId: number;
    site: string;
    filename?: string;
    label?: PhotoLabel;
    data: Buffer;
    by: string;
  }): Promise<Attachment> {
    if (input.data.length === 0) throw new ApiError(400, 'invalid-input', 'the photo is empty', 'body.photo');
    if (input.data.length > MAX_PHOTO_BYTES)
      throw new ApiError(413, 'body-too-large', `a photo may have at most ${MAX_PHOTO_BYTES} bytes`);
    const mime = sniffImage(input.data);
    if (!mime)
      throw new ApiError(
        415,
        'unsupported-media-type',
        'only JPEG, PNG and WebP photos are taken (by their content)',
      );
    const [{ n }] = (await this.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM record_attachments WHERE record_id = $1',
      [input.recordId],
    )) as [{ n: number }];
    if (n >= MAX_PHOTOS_PER_RECORD)
      throw new ApiError(
        409,
        'too-many-attachments',
        `a record holds at most ${MAX_PHOTOS_PER_RECORD} photos`,
      );
    const [row] = await this.db.query<Attachment>(
      `INSERT INTO record_attachments (record_id, site_id, filename, mime, size_bytes, sha256, label, data, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING ${COLUMNS}`,
      [
        input.recordId,
        input.site,
        cleanFilename(input.filename, mime),
        mime,
        input.data.length,
        createHash('sha256').update(input.data).digest('hex'),
        input.label ?? null,
        input.data,
        dateOf(this.now),
        input.by,
      ],
    );
    return row!;
  }

  async remove(id: number): Promise<void> {
    await this.db.query('DELETE FROM record_attachments WHERE id = $1', [id]);
  }

  async list(recordId: number): Promise<Attachment[]> {
    return this.db.query<Attachment>(
      `SELECT ${COLUMNS} FROM record_attachments WHERE record_id = $1 ORDER BY id`,
      [recordId],
    );
  }

  async get(recordId: number, id: number): Promise<(Attachment & { data: Buffer }) | undefined> {
    const [row] = await this.db.query<Attachment & { data: Uint8Array }>(
      `SELECT ${COLUMNS}, data FROM record_attachments WHERE record_id = $1 AND id = $2`,
      [recordId, id],
    );
    return row ? { ...row, data: Buffer.from(row.data) } : undefined;
  }
}

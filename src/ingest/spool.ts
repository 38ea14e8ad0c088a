/**
 * The disk spool: append-only segment files in `<dataDir>/ingest-spool`, read back in order.
 *
 * Record = 12-byte header (u32 BE payload length, u32 BE CRC-32 of the payload, u32 BE line count)
 * + payload (the lines joined by `\n`, UTF-8). Every append is fsync'd before it resolves, so a
 * reading acknowledged to the broker because it was spooled survives a crash of the process and of
 * the machine. A torn tail (crash mid-append) fails its length or CRC check and is cut off at open:
 * those readings were never acknowledged, and the broker delivers them again.
 *
 * `cursor` remembers how far replay got (segment, offset); it is rewritten after each replayed
 * record without fsync: losing it only replays records again, and InfluxDB overwrites a point with
 * the same measurement, tags and time, so a replay twice stores it once.
 */
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Logger } from '../log.ts';

const HEADER = 12;
const SEGMENT = /^(\d{12})\.seg$/;

interface Segment {
  id: number;
  /** Bytes in the file that hold whole, valid records. */
  size: number;
  lines: number;
}

export interface SpoolRead {
  lines: string[];
  /** Lines lost to a corrupt record skipped on the way (counted by the caller). */
  corruptLines: number;
}

export class Spool {
  #segments: Segment[] = [];
  /** Read position in the first segment. */
  #offset = 0;
  /** Where the last read ended: committing moves #offset there. */
  #pending: { segments: number; offset: number; lines: number } | null = null;
  #bytes = 0;
  #lines = 0;
  #appendFile: FileHandle | null = null;
  /** The segment being replayed, read once (segments only grow, so a prefix stays valid). */
  #cache: { id: number; data: Buffer } | null = null;
  /** Segment ids only grow, so a cached or deleted segment is never confused with a new one. */
  #nextId = 1;
  /** The last segment must not be appended to any more (a corrupt record in it). */
  #rollNext = false;

  private constructor(
    readonly dir: string,
    readonly segmentBytes: number,
    readonly maxBytes: number,
    readonly log: Logger,
  ) {}

  static async open(dir: string, segmentBytes: number, maxBytes: number, log: Logger): Promise<Spool> {
    const spool = new Spool(dir, segmentBytes, maxBytes, log);
    await mkdir(dir, { recursive: true });
    const ids = (await readdir(dir))
      .map((f) => SEGMENT.exec(f)?.[1])
      .filter((x): x is string => x !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const id of ids) spool.#segments.push(await spool.#scan(id));
    spool.#nextId = (ids.at(-1) ?? 0) + 1;
    const cursor = await readFile(join(dir, 'cursor'), 'utf8').catch(() => '');
    const [segId, offset] = cursor.split(' ').map(Number);
    const first = spool.#segments[0];
    if (first && segId === first.id && Number.isSafeInteger(offset) && offset! <= first.size) {
      spool.#offset = offset!;
      // Lines before the cursor are already in InfluxDB.
      spool.#lines -= await spool.#countLines(first.id, 0, offset!);
      spool.#bytes -= offset!;
    }
    if (spool.#lines > 0)
      log.warn(
        { lines: spool.#lines, bytes: spool.#bytes, dir },
        'spool holds readings from before: replaying them',
      );
    return spool;
  }

  get lines(): number {
    return this.#lines;
  }
  get bytes(): number {
    return this.#bytes;
  }
  get isEmpty(): boolean {
    return this.#lines === 0;
  }

  #path(id: number): string {
    return join(this.dir, `${String(id).padStart(12, '0')}.seg`);
  }

  /** Validates a segment; cuts a torn or corrupt tail so appends continue after whole records. */
  async #scan(id: number): Promise<Segment> {
    const data = await readFile(this.#path(id));
    let pos = 0;
    let lines = 0;
    while (pos + HEADER <= data.length) {
      const len = data.readUInt32BE(pos);
      const end = pos + HEADER + len;
      if (end > data.length || crc32(data.subarray(pos + HEADER, end)) !== data.readUInt32BE(pos + 4)) break;
      lines += data.readUInt32BE(pos + 8);
      pos = end;
    }
    if (pos < data.length) {
      this.log.warn(
        { segment: id, kept: pos, cut: data.length - pos },
        'spool segment has a torn tail (crash mid-append): cut; the broker redelivers those readings',
      );
      const fh = await open(this.#path(id), 'r+');
      await fh.truncate(pos);
      await fh.sync();
      await fh.close();
    }
    this.#bytes += pos;
    this.#lines += lines;
    return { id, size: pos, lines };
  }

  async #countLines(id: number, from: number, to: number): Promise<number> {
    const data = await readFile(this.#path(id));
    let n = 0;
    for (let pos = from; pos + HEADER <= to; pos += HEADER + data.readUInt32BE(pos))
      n += data.readUInt32BE(pos + 8);
    return n;
  }

  /**
   * Appends batches as records and fsyncs once. Returns false, writing nothing, when the disk cap
   * would be exceeded.
   */
  async append(batches: readonly (readonly string[])[]): Promise<boolean> {
    const records = batches
      .filter((b) => b.length > 0)
      .map((b) => {
        const payload = Buffer.from(b.join('\n'), 'utf8');
        const header = Buffer.allocUnsafe(HEADER);
        header.writeUInt32BE(payload.length, 0);
        header.writeUInt32BE(crc32(payload), 4);
        header.writeUInt32BE(b.length, 8);
        return { buf: Buffer.concat([header, payload]), lines: b.length };
      });
    const size = records.reduce((n, r) => n + r.buf.length, 0);
    if (size === 0) return true;
    if (this.#bytes + size > this.maxBytes) return false;
    let last = this.#segments.at(-1);
    if (!last || this.#rollNext || (last.size > 0 && last.size + size > this.segmentBytes)) {
      await this.#appendFile?.close();
      this.#appendFile = null;
      this.#rollNext = false;
      last = { id: this.#nextId++, size: 0, lines: 0 };
      this.#segments.push(last);
    }
    this.#appendFile ??= await open(this.#path(last.id), 'a');
    await this.#appendFile.write(Buffer.concat(records.map((r) => r.buf)));
    await this.#appendFile.datasync();
    const lines = records.reduce((n, r) => n + r.lines, 0);
    last.size += size;
    last.lines += lines;
    this.#bytes += size;
    this.#lines += lines;
    return true;
  }

  /** Reads whole records from the replay position, up to about `maxLines`. Null when empty. */
  async read(maxLines: number): Promise<SpoolRead | null> {
    const out: string[] = [];
    let corruptLines = 0;
    let segIndex = 0;
    let offset = this.#offset;
    while (out.length < maxLines) {
      const seg = this.#segments[segIndex];
      if (!seg) break;
      if (offset >= seg.size) {
        // Never step past the last segment: it is still appended to.
        if (segIndex === this.#segments.length - 1) break;
        segIndex++;
        offset = 0;
        continue;
      }
      const data = await this.#segmentData(seg, offset);
      const len = data.readUInt32BE(offset);
      const count = data.readUInt32BE(offset + 8);
      const payload = data.subarray(offset + HEADER, offset + HEADER + len);
      if (payload.length !== len || crc32(payload) !== data.readUInt32BE(offset + 4)) {
        // The rest of the segment cannot be framed any more: skip it, loudly, and append elsewhere.
        let before = 0;
        for (let pos = 0; pos < offset; pos += HEADER + data.readUInt32BE(pos))
          before += data.readUInt32BE(pos + 8);
        corruptLines += Math.max(0, seg.lines - before);
        this.log.error(
          { segment: seg.id, offset },
          'spool record fails its checksum: skipping the rest of the segment',
        );
        this.#rollNext = true;
        offset = seg.size;
        continue;
      }
      if (count > 0) out.push(...payload.toString('utf8').split('\n'));
      offset += HEADER + len;
    }
    if (out.length === 0 && corruptLines === 0) return null;
    this.#pending = { segments: segIndex, offset, lines: out.length + corruptLines };
    return { lines: out, corruptLines };
  }

  async #segmentData(seg: Segment, offset: number): Promise<Buffer> {
    const c = this.#cache;
    if (
      c &&
      c.id === seg.id &&
      c.data.length >= offset + HEADER &&
      c.data.length >= offset + HEADER + c.data.readUInt32BE(offset)
    ) {
      return c.data;
    }
    const data = (await readFile(this.#path(seg.id))).subarray(0, seg.size);
    this.#cache = { id: seg.id, data };
    return data;
  }

  /** Marks what the last read returned as written: drops finished segments, saves the cursor. */
  async commit(): Promise<void> {
    const p = this.#pending;
    if (!p) return;
    this.#pending = null;
    const before = this.#bytes;
    let bytes = 0;
    for (let i = 0; i < p.segments; i++) bytes += this.#segments[i]!.size - (i === 0 ? this.#offset : 0);
    const first = this.#segments[p.segments];
    bytes += p.offset - (p.segments === 0 ? this.#offset : 0);
    const done = this.#segments.splice(0, p.segments);
    const lastId = this.#segments.at(-1)?.id;
    for (const seg of done) await rm(this.#path(seg.id), { force: true });
    this.#offset = p.offset;
    this.#bytes = before - bytes;
    this.#lines -= p.lines;
    if (first && this.#offset >= first.size && first.id !== lastId) {
      // Fully read and no longer appended to.
      await rm(this.#path(first.id), { force: true });
      this.#segments.shift();
      this.#offset = 0;
    }
    const head = this.#segments[0];
    const tmp = join(this.dir, 'cursor.tmp');
    await writeFile(tmp, head ? `${head.id} ${this.#offset}` : '');
    await rename(tmp, join(this.dir, 'cursor'));
  }

  async close(): Promise<void> {
    await this.#appendFile?.close();
    this.#appendFile = null;
  }
}

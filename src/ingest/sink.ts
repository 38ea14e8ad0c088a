/**
 * Lines to InfluxDB without losing any: batching, retry with backoff, memory bound, disk spool.
 *
 * Every line arrives with the acknowledgement of its MQTT message, and the acknowledgement is sent
 * only once the line is durable: written to InfluxDB, or fsync'd to the spool. Until then the
 * broker's persistent session still holds the message, so a crash loses nothing.
 *
 * Two modes, one writer loop (so writes are never concurrent and order is kept):
 * - direct: batches sit in memory and are written as soon as the writer is free (group commit);
 * - spilling: InfluxDB failed or is too slow, or memory is over its bound. Memory is appended to
 *   the spool and acknowledged; new lines go to the spool too, behind the older ones; the writer
 *   replays the spool in order. When it has caught up, lines go back to memory.
 */
import type { Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { IngestCounters } from './counters.ts';
import { LatencyWindow } from './counters.ts';
import { type LineWriter, WriteError } from './influx.ts';
import type { IngestOptions } from './options.ts';
import type { Spool } from './spool.ts';

export type Ack = () => void;

interface Batch {
  lines: string[];
  acks: Ack[];
  firstAt: number;
}

export interface SinkDeps {
  writer: LineWriter;
  spool: Spool;
  options: IngestOptions;
  log: Logger;
  counters: IngestCounters;
  now: Clock;
  /** Told about each line InfluxDB refused for good (kept for operators next to rejected messages). */
  onRefused?: (line: string, error: string) => void;
}

const LOUD_EVERY_MS = 10_000;

export class Sink {
  readonly latency = new LatencyWindow();
  #open: Batch;
  #queue: Batch[] = [];
  #toSpool: Batch[] = [];
  #memoryLines = 0;
  #spilling = false;
  #appending = false;
  #appendScheduled = false;
  #stopping = false;
  #failures = 0;
  #wakeUp: (() => void) | null = null;
  #stopWake: (() => void) | null = null;
  #drained: (() => void)[] = [];
  #loudAt = new Map<string, { at: number; suppressed: number }>();
  readonly #loop: Promise<void>;

  constructor(readonly deps: SinkDeps) {
    this.#open = this.#newBatch();
    // Readings left in the spool by an earlier run are replayed before anything new.
    this.#spilling = !deps.spool.isEmpty;
    this.#loop = this.#run().catch((err) => deps.log.fatal({ err }, 'ingest writer loop failed'));
  }

  get memoryLines(): number {
    return this.#memoryLines;
  }

  /** True while memory is at its bound: the MQTT side stops reading until `drained()`. */
  get full(): boolean {
    return this.#memoryLines >= this.deps.options.memoryLines;
  }

  drained(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  add(line: string, ack: Ack): void {
    const open = this.#open;
    if (open.acks.length === 0) open.firstAt = this.deps.now();
    open.lines.push(line);
    open.acks.push(ack);
    this.#memoryLines++;
    if (this.#spilling) {
      if (open.lines.length >= this.deps.options.batchSize) this.#seal();
      this.#scheduleAppend();
    } else {
      if (open.lines.length >= this.deps.options.batchSize) this.#seal();
      this.#wake();
    }
  }

  /**
   * Acknowledges a message that yields no line (refused, skipped) in its turn: after the lines
   * received before it, so PUBACKs keep arrival order [MQTT-4.6.0-2].
   */
  addAck(ack: Ack): void {
    if (
      this.#memoryLines === 0 &&
      this.#open.acks.length === 0 &&
      this.#queue.length === 0 &&
      this.#toSpool.length === 0
    ) {
      ack();
      return;
    }
    if (this.#open.acks.length === 0) this.#open.firstAt = this.deps.now();
    this.#open.acks.push(ack);
    if (this.#spilling) this.#scheduleAppend();
    else this.#wake();
  }

  /** Writes or spools what is in memory, then stops. Never replays: the next start does. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake();
    this.#stopWake?.();
    await this.#loop;
    // Whatever is still in memory goes to the spool; the next start replays it.
    this.#spilling = true;
    while (this.#appending || this.#toSpool.length > 0 || this.#open.acks.length > 0) {
      this.#scheduleAppend(true);
      await new Promise((r) => setTimeout(r, 5));
    }
    await this.deps.spool.close();
  }

  snapshotDepth(): IngestCounters['bufferDepth'] {
    const { spool } = this.deps;
    return { memoryLines: this.#memoryLines, spoolLines: spool.lines, spoolBytes: spool.bytes };
  }

  #newBatch(): Batch {
    return { lines: [], acks: [], firstAt: 0 };
  }

  #seal(): Batch | undefined {
    const batch = this.#open;
    if (batch.acks.length === 0) return undefined;
    this.#open = this.#newBatch();
    (this.#spilling ? this.#toSpool : this.#queue).push(batch);
    return batch;
  }

  #wake(): void {
    const w = this.#wakeUp;
    this.#wakeUp = null;
    w?.();
  }

  /** Waits for new work or `ms`. */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wakeUp = null;
        resolve();
      }, ms);
      this.#wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Waits out a retry delay; only stop() cuts it short (new readings must not). */
  #backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#stopWake = null;
        resolve();
      }, ms);
      this.#stopWake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  #release(batches: Batch[]): void {
    for (const b of batches) {
      for (const ack of b.acks) ack();
      this.#memoryLines -= b.lines.length;
    }
    if (!this.full) for (const resolve of this.#drained.splice(0)) resolve();
  }

  async #run(): Promise<void> {
    const { options, spool } = this.deps;
    for (;;) {
      if (this.#spilling) {
        if (this.#stopping) return;
        if (await this.#replayOnce()) continue;
        if (spool.isEmpty && !this.#appending && this.#toSpool.length === 0 && this.#open.acks.length === 0) {
          this.#spilling = false;
          this.deps.log.info('spool replayed: writing directly again');
          continue;
        }
        await this.#sleep(1000);
        continue;
      }
      const oldest = this.#queue[0]?.firstAt ?? (this.#open.acks.length ? this.#open.firstAt : undefined);
      if (
        this.#memoryLines > options.memoryLines ||
        (oldest !== undefined && this.deps.now() - oldest > options.maxAckDelayMs)
      ) {
        this.#spill('InfluxDB is slow: memory buffer spooled to disk');
        continue;
      }
      let batch = this.#queue.shift();
      if (!batch && this.#open.acks.length > 0) {
        const waited = this.deps.now() - this.#open.firstAt;
        if (this.#stopping || waited >= options.batchLingerMs) {
          this.#seal();
          batch = this.#queue.shift();
        } else {
          await this.#sleep(options.batchLingerMs - waited);
          continue;
        }
      }
      if (!batch) {
        if (this.#stopping) return;
        await this.#sleep(60_000);
        continue;
      }
      try {
        if (batch.lines.length > 0) await this.#send(batch.lines);
        this.deps.counters.written += batch.lines.length;
        this.#release([batch]);
      } catch (err) {
        this.#queue.unshift(batch);
        this.#failed(err as WriteError);
        this.#spill('InfluxDB write failed: buffering on disk and retrying');
      }
    }
  }

  /** Moves everything in memory, oldest first, to the spool; the writer then replays from disk. */
  #spill(why: string): void {
    this.#seal();
    this.#toSpool.unshift(...this.#queue.splice(0));
    this.#spilling = true;
    this.#loud('spill', () => this.deps.log.warn({ memoryLines: this.#memoryLines }, why));
    this.#scheduleAppend(true);
  }

  #scheduleAppend(now = false): void {
    if (this.#appending) return;
    if (now) {
      void this.#appendAll();
      return;
    }
    if (this.#appendScheduled) return;
    this.#appendScheduled = true;
    // One fsync for everything that arrives in this turn of the event loop.
    setImmediate(() => {
      this.#appendScheduled = false;
      void this.#appendAll();
    });
  }

  async #appendAll(): Promise<void> {
    if (this.#appending) return;
    this.#appending = true;
    try {
      for (;;) {
        this.#seal();
        const batches = this.#toSpool.splice(0);
        if (batches.length === 0) break;
        const lines = batches.reduce((n, b) => n + b.lines.length, 0);
        let stored: boolean;
        try {
          stored = await this.deps.spool.append(batches.map((b) => b.lines));
        } catch (err) {
          // Not durable, so not acknowledged; memory fills and the MQTT side waits meanwhile.
          this.#toSpool.unshift(...batches);
          this.#loud('spool-io', () =>
            this.deps.log.error({ err }, 'cannot write the spool: holding readings in memory'),
          );
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        if (stored) {
          this.deps.counters.spooled += lines;
        } else {
          this.deps.counters.dropped['disk-cap'] += lines;
          this.#loud('disk-cap', (suppressed) =>
            this.deps.log.error(
              { lines, spoolBytes: this.deps.spool.bytes, cap: this.deps.options.spoolMaxBytes, suppressed },
              'READINGS DROPPED: the ingest spool is at its disk cap while InfluxDB is unavailable',
            ),
          );
        }
        this.#release(batches);
        this.#wake();
      }
    } finally {
      this.#appending = false;
    }
  }

  /** Writes one spool chunk. False when the spool had nothing to read. */
  async #replayOnce(): Promise<boolean> {
    const { spool, counters } = this.deps;
    const read = await spool.read(this.deps.options.replayBatchSize);
    if (!read) return false;
    try {
      if (read.lines.length > 0) await this.#send(read.lines);
      await spool.commit();
      counters.replayed += read.lines.length;
      counters.dropped['spool-corrupt'] += read.corruptLines;
    } catch (err) {
      const delay = this.#failed(err as WriteError);
      await this.#backoff(delay);
    }
    return true;
  }

  /** Sends lines; a 400 or 413 is narrowed down by halves so only the refused lines are dropped. */
  async #send(lines: string[]): Promise<void> {
    const started = performance.now();
    try {
      await this.deps.writer.write(lines);
      this.latency.record(performance.now() - started);
      this.#failures = 0;
      this.deps.counters.influx = 'up';
    } catch (err) {
      const e = err instanceof WriteError ? err : new WriteError('retryable', String(err));
      if (e.failure !== 'refused' && e.failure !== 'too-large') throw e;
      this.deps.counters.writeErrors.refused++;
      if (lines.length === 1) {
        const line = lines[0] ?? '';
        this.deps.counters.dropped['refused-line']++;
        this.deps.onRefused?.(line, e.message);
        this.#loud('refused-line', (suppressed) =>
          this.deps.log.error(
            { line: line.slice(0, 1000), status: e.status, error: e.message, suppressed },
            'InfluxDB refused a line; dropped (retrying cannot fix it)',
          ),
        );
        return;
      }
      const half = Math.ceil(lines.length / 2);
      await this.#send(lines.slice(0, half));
      await this.#send(lines.slice(half));
    }
  }

  /** Counts and logs a failure; returns the backoff before the next attempt. */
  #failed(e: WriteError): number {
    const { counters, options, log } = this.deps;
    this.#failures++;
    counters.influx = 'down';
    if (e.failure === 'auth') counters.writeErrors.auth++;
    else counters.writeErrors.retryable++;
    const exp = Math.min(options.retryMaxMs, options.retryMinMs * 2 ** Math.min(this.#failures - 1, 20));
    // Credentials or a missing database will not fix themselves quickly: wait the longest.
    const base = e.failure === 'auth' ? options.retryMaxMs : Math.max(exp, e.retryAfterMs ?? 0);
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.#loud(`fail-${e.failure}`, (suppressed) => {
      const msg =
        e.failure === 'auth'
          ? 'InfluxDB refuses ingest (credentials, database or bucket): readings are kept in the spool until it is fixed'
          : 'InfluxDB write failed: readings are kept in the spool and retried';
      log[e.failure === 'auth' ? 'error' : 'warn'](
        { error: e.message, status: e.status, retryInMs: delay, suppressed },
        msg,
      );
    });
    return delay;
  }

  /** Logs at most once per 10 s per key, saying how many were suppressed. */
  #loud(key: string, emit: (suppressed: number) => void): void {
    const now = this.deps.now();
    const seen = this.#loudAt.get(key);
    if (seen && now - seen.at < LOUD_EVERY_MS) {
      seen.suppressed++;
      return;
    }
    emit(seen?.suppressed ?? 0);
    this.#loudAt.set(key, { at: now, suppressed: 0 });
  }
}

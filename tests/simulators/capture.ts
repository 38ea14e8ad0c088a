import { type DecodedMessage, decode, type PayloadOut } from '../../src/protocol/index.ts';
import type { ModelSink, OutMessage } from '../../src/simulators/index.ts';

/** A sink that keeps what a model publishes and decodes it with the contract, as ingest would. */
export class Capture implements ModelSink {
  readonly raw: OutMessage[] = [];
  readonly decoded: DecodedMessage[] = [];
  readonly failures: string[] = [];
  drops = 0;
  restores = 0;

  publish(message: OutMessage): void {
    this.raw.push(message);
    const result = decode(message.topic, new TextEncoder().encode(message.payload));
    if (result.ok) this.decoded.push(result.message);
    else this.failures.push(`${message.topic}: ${result.reason} ${result.detail}`);
  }

  drop(): void {
    this.drops++;
  }

  restore(): void {
    this.restores++;
  }

  /** Telemetry payloads of one kind, in order. */
  telemetry<K extends DecodedMessage['kind']>(kind: K) {
    return this.decoded
      .filter((m) => m.kind === kind && m.channel === 'telemetry')
      .map((m) => m.data as PayloadOut<K, 'telemetry'>);
  }

  events() {
    return this.decoded
      .filter((m) => m.channel === 'event')
      .map(
        (m) =>
          m.data as {
            code: string;
            state: string;
            ts?: number;
            floor?: number;
            pump?: number;
            camera?: string;
          },
      );
  }

  /** Index to slice from: messages published after this point. */
  mark(): number {
    return this.decoded.length;
  }

  since<K extends DecodedMessage['kind']>(kind: K, mark: number) {
    return this.decoded
      .slice(mark)
      .filter((m) => m.kind === kind && m.channel === 'telemetry')
      .map((m) => m.data as PayloadOut<K, 'telemetry'>);
  }

  eventsSince(mark: number) {
    return this.decoded
      .slice(mark)
      .filter((m) => m.channel === 'event')
      .map((m) => m.data as { code: string; state: string; floor?: number; pump?: number; camera?: string });
  }
}

/** 2024-06-21 00:00 in Shanghai (UTC+8): a fixed midsummer day. */
export const MIDNIGHT_SHANGHAI = Date.UTC(2024, 5, 20, 16, 0, 0);
export const HOUR = 3_600_000;

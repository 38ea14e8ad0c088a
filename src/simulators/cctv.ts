import { DeviceModel, type ModelOptions, round } from './model.ts';
import { bump, DAY_MS, localHour } from './time.ts';

export interface CctvOptions extends ModelOptions {
  cameras_total?: number;
  disks_total?: number;
  disk_tb?: number;
  /** Average H.265 stream per camera; motion at daytime raises it. */
  bitrate_mbps?: number;
}

/** The NVR overwrites the oldest footage once the disks pass this fill. */
const RECYCLE_AT = 0.95;
const CAMERA_FAULTS = new Set(['camera_offline', 'video_loss', 'tamper', 'intrusion']);

/** An NVR with continuous recording of its cameras, reporting GB/T 28181 alarms. */
export class CctvModel extends DeviceModel<'cctv'> {
  // The NVR raises every one of its GB/T 28181 alarms itself.
  protected readonly reported: ReadonlySet<string> = new Set([
    'camera_offline',
    'video_loss',
    'not_recording',
    'disk_failure',
    'tamper',
    'intrusion',
  ]);
  protected readonly maxStepMs = 60_000;
  private readonly cameras: number;
  private readonly disks: number;
  private readonly diskBytes: number;
  private readonly bytesPerSecond: number;
  private stored: number;
  /** Camera channel (0-based) each active camera fault is on. */
  private readonly channel = new Map<string, number>();
  private failedDisks = 0;

  constructor(options: CctvOptions) {
    super('cctv', options);
    this.cameras = options.cameras_total ?? 16;
    this.disks = options.disks_total ?? 4;
    this.diskBytes = (options.disk_tb ?? 8) * 1e12;
    this.bytesPerSecond = ((options.bitrate_mbps ?? 4) * 1e6) / 8;
    // An NVR in service for a while: the disks are part full or already recycling.
    this.stored = this.capacity() * this.rng.range(0.7, RECYCLE_AT);
  }

  protected advance(dtMs: number): void {
    const hour = localHour(this.timezone, this.now());
    const motion = 0.7 + 0.5 * bump(hour, 13, 4);
    this.stored += this.recording() * this.bytesPerSecond * motion * (dtMs / 1000);
    this.stored = Math.min(this.stored, this.capacity() * RECYCLE_AT);
  }

  protected readings() {
    // Retention is how many days of normal recording the disks hold.
    const daily = this.cameras * this.bytesPerSecond * 0.9 * (DAY_MS / 1000);
    const online = this.cameras - this.count('camera_offline');
    return {
      cameras_total: this.cameras,
      cameras_online: online,
      cameras_recording: this.recording(),
      disks_total: this.disks,
      disks_failed: this.failedDisks,
      disk_used_pct: round((100 * this.stored) / this.disks / this.diskBytes, 1),
      retention_days: round(this.stored / daily, 1),
    };
  }

  protected apply(code: string, on: boolean): boolean {
    if (CAMERA_FAULTS.has(code)) {
      if (on) this.channel.set(code, this.rng.int(0, this.cameras - 1));
      else this.channel.delete(code);
    }
    if (code === 'disk_failure') {
      if (on && this.failedDisks >= this.disks) return false;
      // Without RAID the footage on the failed disk is gone; a replacement comes back empty.
      const before = this.capacity();
      this.failedDisks += on ? 1 : -1;
      if (on) this.stored *= this.capacity() / before;
    }
    return true;
  }

  protected override eventFields(code: string): Record<string, unknown> {
    const ch = this.channel.get(code);
    return ch === undefined ? {} : { camera: `ch${String(ch + 1).padStart(2, '0')}` };
  }

  private count(code: string): number {
    return this.channel.has(code) ? 1 : 0;
  }

  private recording(): number {
    if (this.active.has('not_recording') || this.failedDisks >= this.disks) return 0;
    const lost = new Set(
      [this.channel.get('camera_offline'), this.channel.get('video_loss')].filter((c) => c !== undefined),
    );
    return this.cameras - lost.size;
  }

  private capacity(): number {
    return (this.disks - this.failedDisks) * this.diskBytes;
  }
}

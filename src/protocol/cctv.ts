import { z } from 'zod';
import { codeEnum, detail, type EventCode, envelope, eventState } from './common.ts';

const GB28181 = 'GB/T 28181-2022 (alarm events of video surveillance devices)';
const GB50348 = 'GB 50348-2018 (video surveillance: storage and recording)';

export const CCTV_EVENT_CODES = [
  { code: 'camera_offline', en: 'Camera offline', zh: '摄像机离线', source: GB28181 },
  { code: 'video_loss', en: 'Video loss', zh: '视频丢失', source: GB28181 },
  { code: 'not_recording', en: 'Not recording', zh: '未录像', source: GB50348 },
  { code: 'disk_failure', en: 'Disk failure', zh: '硬盘故障', source: GB28181 },
  { code: 'tamper', en: 'Camera tampered (covered, moved)', zh: '视频遮挡/移位', source: GB28181 },
  { code: 'intrusion', en: 'Intrusion detected', zh: '区域入侵', source: GB28181 },
] as const satisfies readonly EventCode[];

/** A CCTV gateway or NVR with several cameras. */
export const cctvTelemetry = z.object({
  ...envelope,
  cameras_total: z.number().int().min(0).max(512),
  cameras_online: z.number().int().min(0).max(512),
  cameras_recording: z.number().int().min(0).max(512),
  disks_total: z.number().int().min(0).max(64),
  disks_failed: z.number().int().min(0).max(64),
  disk_used_pct: z.number().min(0).max(100),
  /** Days of footage kept; GB 50348-2018 asks for at least 30 in residential estates. */
  retention_days: z.number().min(0).max(3650),
  /** Power-on hours (SMART attribute 9) of the oldest disk, where the NVR reports it (meter plans). */
  disk_power_on_hours_max: z.number().nonnegative().optional(),
});

export const cctvEvent = z.object({
  ...envelope,
  code: codeEnum(CCTV_EVENT_CODES),
  state: eventState,
  /** Camera channel on the NVR, e.g. "ch07". */
  camera: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/)
    .optional(),
  detail,
});

export type CctvTelemetry = z.input<typeof cctvTelemetry>;
export type CctvEvent = z.input<typeof cctvEvent>;

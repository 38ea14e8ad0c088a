/** CCTV recorders: cameras online and recording, disks, storage and days of footage kept. */
import type { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import type { Lang } from '../protocol/index.ts';
import { steps } from './common.ts';
import { graph, kindDashboard } from './devices.ts';
import { shippedRule } from './limits.ts';

/** GB 50348-2018: residential estates keep at least 30 days of footage (no rule judges it). */
const MIN_FOOTAGE_DAYS = 30;

export function cctvDashboard(lang: Lang): DashboardBuilder {
  const offline = shippedRule('cctv', 'cctv-cameras-offline', 'derived');
  const notRecording = shippedRule('cctv', 'cctv-not-recording', 'derived');
  return kindDashboard(
    'cctv',
    lang,
    (tr) => tr('视频监控', 'CCTV'),
    (tr) => [
      graph(
        'cctv',
        {
          title: tr('在线摄像机', 'Cameras online'),
          description: tr(
            `录像机（NVR）在网络上看到的摄像机数。少于已安装数持续 ${offline.forS} 秒即开“摄像机离线”记录并发巡逻警报：出现监控盲区。`,
            `Cameras the recorder (NVR) sees on its network. Fewer than installed for ${offline.forS} s opens a camera-offline record and a patrol alert: there is a blind spot.`,
          ),
          select: 'last("cameras_online")',
          unit: 'none',
        },
        tr,
      ),
      graph(
        'cctv',
        {
          title: tr('录像中摄像机', 'Cameras recording'),
          description: tr(
            `正在录像的摄像机数。有摄像机在线而录像数为 0（红色）持续 ${notRecording.forS} 秒，即开“未录像”记录（急）。`,
            `Cameras whose footage is being recorded. None recording (red) while cameras are online for ${notRecording.forS} s opens a not-recording record (urgent).`,
          ),
          select: 'last("cameras_recording")',
          unit: 'none',
          // The rule cctv-not-recording: cameras_recording = 0 is the fault, any recording is not.
          thresholds: steps([null, 'red'], [1, 'green']),
        },
        tr,
      ),
      graph(
        'cctv',
        {
          title: tr('故障硬盘', 'Disks failed'),
          description: tr(
            '录像机中故障的硬盘数，0 为正常（绿色）。',
            'Failed disks in the recorder; 0 is normal (green).',
          ),
          select: 'last("disks_failed")',
          unit: 'none',
          limit: { field: 'disks_failed', unit: '' },
        },
        tr,
      ),
      graph(
        'cctv',
        {
          title: tr('存储占用', 'Storage used'),
          description: tr(
            '录像机硬盘的占用比例。录像机循环覆盖最早的录像，所以占满是正常的；要看的是“录像保存天数”。',
            "How full the recorder's disks are. A recorder overwrites its oldest footage, so full is normal; watch Days of footage instead.",
          ),
          select: 'last("disk_used_pct")',
          unit: 'percent',
        },
        tr,
      ),
      graph(
        'cctv',
        {
          title: tr('录像保存天数', 'Days of footage'),
          description: tr(
            `硬盘上保存的录像天数。GB 50348-2018 要求住宅小区至少保存 ${MIN_FOOTAGE_DAYS} 天，低于此值为红色；规则不据此开记录。`,
            `Days of footage the disks hold. GB 50348-2018 asks residential estates to keep at least ${MIN_FOOTAGE_DAYS} days: red below that. No rule opens a record for it.`,
          ),
          select: 'last("retention_days")',
          unit: 'd',
          thresholds: steps([null, 'red'], [MIN_FOOTAGE_DAYS, 'green']),
        },
        tr,
      ),
    ],
  );
}

/**
 * The demo estate's zones and its night lighting round, so the console's zone list and the guards'
 * round page have something real to show: two zones of three buildings each (the engineer and the
 * guard answer for both), and a round at 04:00 that starts with the lights and lifts seen faulty.
 */
import type { ServiceDesk } from '../records/service/index.ts';
import { DEMO_SITE } from './estate.ts';

const site = DEMO_SITE.id;

export async function provisionDemoRounds(desk: ServiceDesk): Promise<void> {
  const zones = new Set((await desk.listZones(site)).map((z) => z.id));
  for (const [id, name, buildings] of [
    ['north', '北区 North', ['B1', 'B2', 'B3']],
    ['south', '南区 South', ['B4', 'B5', 'B6']],
  ] as const) {
    if (zones.has(id)) continue;
    await desk.addZone({
      site,
      id,
      name,
      buildings: [...buildings],
      people: { engineering: ['engineer'], security: ['guard'] },
    });
  }
  if ((await desk.listRoutes(site)).some((r) => r.id === 'night-lighting')) return;
  await desk.addRoute({
    site,
    id: 'night-lighting',
    name: '夜间照明巡查 Night lighting round',
    trade: 'security',
    timeLimitMin: 45,
    faultKinds: ['lighting', 'lift'],
    checkpoints: [
      { name: '北门 North gate', location: 'north road' },
      { name: '1号楼大堂 Building 1 lobby', building: 'B1' },
      { name: '中心花园 Garden', location: 'garden road lighting' },
      { name: '4号楼大堂 Building 4 lobby', building: 'B4' },
      { name: '南门 South gate', location: 'south road' },
    ],
  });
  await desk.addRoundSchedule({ site, route: 'night-lighting', starts: '04:00' });
}

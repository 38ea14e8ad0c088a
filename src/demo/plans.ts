/**
 * The demo estate's maintenance plans, so the plan calendar and its jobs have something to show:
 * the lifts every 15 days and by their run counters, the water tanks every six months, the
 * emergency lighting monthly and yearly (intervals from the FM_PLAN_* settings, docs/service-records.md).
 * Added once: a start that finds the site's plans leaves them as they are. The first due dates are a
 * week or more ahead, so a first start does not fill the desk's queue with jobs before its first fault.
 */
import { type Clock, dateOf, systemClock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { PlanInput, ServiceDesk } from '../records/service/index.ts';
import { DEMO_SITE } from './estate.ts';

const site = DEMO_SITE.id;

/** Each plan, and how many days from the first start its first job is due. */
export const DEMO_PLANS: readonly (PlanInput & { inDays?: number })[] = [
  { site, scope: 'kind', kind: 'lift', template: 'lift-half-monthly', inDays: 7 },
  { site, scope: 'kind', kind: 'lift', template: 'lift-runs' },
  { site, scope: 'site', template: 'tank-cleaning', inDays: 30 },
  { site, scope: 'kind', kind: 'lighting', template: 'emergency-lighting-monthly', inDays: 10 },
  { site, scope: 'kind', kind: 'lighting', template: 'emergency-lighting-yearly', inDays: 60 },
];

/** The site-local date `days` after `at`. */
function localDate(at: Date, days: number): string {
  const later = new Date(at.getTime() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: DEMO_SITE.timezone }).format(later);
}

export async function provisionDemoPlans(
  desk: ServiceDesk,
  log: Logger,
  now: Clock = systemClock,
): Promise<number> {
  if ((await desk.listPlans({ site, active: false })).length > 0) return 0;
  for (const { inDays, ...p } of DEMO_PLANS) {
    const startsOn = inDays === undefined ? undefined : localDate(dateOf(now), inDays);
    await desk.addPlan({ ...p, startsOn, createdBy: 'demo' });
  }
  log.info({ plans: DEMO_PLANS.length }, 'demo maintenance plans ready');
  return DEMO_PLANS.length;
}

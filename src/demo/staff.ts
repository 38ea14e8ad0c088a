/**
 * The demo estate's people: one of each role with a console sign-in, the engineer and the guard on
 * duty round the clock, so a fault's record can be dispatched and worked at once. Their passwords
 * are generated on the first start and kept in `<dataDir>/demo-sign-ins.json` (mode 0600) to print
 * at every start; if that file is lost, new ones are set.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { LoginStore } from '../api/index.ts';
import { type Clock, systemClock } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Records } from '../records/index.ts';
import type { Role, ServiceDesk, StaffInput, Trade } from '../records/service/index.ts';
import { DEMO_SITE } from './estate.ts';
import { provisionDemoRounds } from './rounds.ts';

export interface DemoSignIn {
  username: string;
  password: string;
  role: Role;
  /** Where the person starts: the page that shows the role's work. */
  page: string;
}

interface DemoPerson extends StaffInput {
  page: string;
}

const site = DEMO_SITE.id;
const person = (
  id: string,
  name: string,
  role: Role,
  page: string,
  trades: Trade[] = [],
  phone?: string,
): DemoPerson => ({
  id,
  name,
  roles: [role],
  trades,
  sites: role === 'admin' || role === 'manager' ? [] : [site],
  page,
  ...(phone ? { phone } : {}),
});

export const DEMO_PEOPLE: readonly DemoPerson[] = [
  person('desk', '王前台 Desk Wang', 'front_desk', '/desk'),
  person('engineer', '李工 Engineer Li', 'engineer', '/m', ['engineering'], '138 0000 0001'),
  person('guard', '赵秩序 Guard Zhao', 'guard', '/m/alerts', ['security'], '138 0000 0002'),
  person('supervisor', '张主管 Supervisor Zhang', 'supervisor', '/desk', ['engineering', 'security']),
  person('manager', '陈经理 Manager Chen', 'manager', '/manage'),
  person('admin', '系统管理员 Admin', 'admin', '/admin/people'),
];

const FILE = 'demo-sign-ins.json';
const stored = z.array(z.object({ username: z.string(), password: z.string() }));

/** Easy to read out and type on a phone: 12 characters without look-alikes. */
function newPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  return [...randomBytes(12)].map((b) => alphabet[b % alphabet.length]).join('');
}

function readFile(path: string): Map<string, string> {
  try {
    return new Map(stored.parse(JSON.parse(readFileSync(path, 'utf8'))).map((s) => [s.username, s.password]));
  } catch {
    return new Map();
  }
}

export async function provisionDemoStaff(
  records: Records,
  desk: ServiceDesk,
  dataDir: string,
  log: Logger,
  now: Clock = systemClock,
  /** scrypt's cost for the passwords set here; the console's own default unless given (tests lower it). */
  passwordCost?: ConstructorParameters<typeof LoginStore>[2],
): Promise<DemoSignIn[]> {
  const path = join(dataDir, FILE);
  const known = readFile(path);
  const logins = new LoginStore(records.db, now, passwordCost);
  const existing = new Set((await desk.listStaff()).map((s) => s.id));
  const result: DemoSignIn[] = [];
  for (const p of DEMO_PEOPLE) {
    const { page, ...staff } = p;
    if (!existing.has(p.id)) await desk.addStaff(staff);
    let password = known.get(p.id);
    const login = await logins.find(p.id);
    if (!password || !login?.passwordHash) {
      password = newPassword();
      await logins.setPassword(p.id, { password, by: 'demo', username: p.id });
    }
    result.push({ username: p.id, password, role: p.roles[0]!, page });
  }
  const shifts = await desk.listShifts({ site });
  for (const [staffId, trade] of [
    ['engineer', 'engineering'],
    ['guard', 'security'],
  ] as const) {
    if (!shifts.some((s) => s.staffId === staffId && s.trade === trade && !s.endedBy)) {
      // An end at its start runs past midnight: on duty every hour of every day.
      await desk.addShift({ site, staffId, trade, starts: '00:00', ends: '00:00' });
    }
  }
  await provisionDemoRounds(desk);
  writeFileSync(
    path,
    `${JSON.stringify(
      result.map(({ username, password }) => ({ username, password })),
      null,
      2,
    )}\n`,
    {
      mode: 0o600,
    },
  );
  log.info({ people: result.length }, 'demo staff and sign-ins ready');
  return result;
}

/**
 * Residents' contacts in what the API answers: in full only to whom roles.ts says (CONTACT_READERS
 * everywhere; CONTACT_WORKERS on the record they work, never in lists), masked for everyone else
 * (138****1234), and every full number shown noted in the audit trail (PIPL) before it is sent.
 * Every route and the stream that carry records pass them through here.
 */
import type { ContactView, ServiceDesk, ServiceRecord } from '../records/service/index.ts';
import { CONTACT_READERS, CONTACT_WORKERS, type Role } from './roles.ts';
import type { Principal } from './tokens.ts';

/** 138****1234: the first three and last four digits of a mobile number (country code dropped). */
export function maskPhone(phone: string): string {
  let d = phone.replace(/\D/g, '');
  if (d.length > 11 && d.startsWith('0086')) d = d.slice(4);
  else if (d.length > 11 && d.startsWith('86')) d = d.slice(2);
  if (d.length >= 11) return `${d.slice(0, 3)}****${d.slice(-4)}`;
  if (d.length >= 7) return `****${d.slice(-4)}`;
  return '****';
}

/** 赵** / M***: enough for the person who may not call them to tell two callers apart. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  return `${chars[0] ?? ''}${'*'.repeat(Math.min(3, Math.max(1, chars.length - 1)))}`;
}

interface Contact {
  contactName: string | null;
  contactPhone: string | null;
}

function masked<T extends Contact>(c: T): T {
  return {
    ...c,
    contactName: c.contactName === null ? null : maskName(c.contactName),
    contactPhone: c.contactPhone === null ? null : maskPhone(c.contactPhone),
  };
}

type WithReports = ServiceRecord & { reports?: Contact[] };

const hasPhone = (r: WithReports) =>
  r.contactPhone !== null || (r.reports ?? []).some((x) => x.contactPhone !== null);

export class ContactPolicy {
  constructor(private readonly desk: ServiceDesk) {}

  /**
   * The records as `principal` may see them in `view`; full numbers shown are noted (awaited, so
   * an answer never carries a number the trail does not hold).
   */
  async present<T extends WithReports>(principal: Principal, records: T[], view: ContactView): Promise<T[]> {
    const reader = principal.roles.find((r) => CONTACT_READERS.includes(r));
    const worker = principal.roles.find((r) => CONTACT_WORKERS.includes(r));
    let full = new Map<number, Role>();
    if (reader) full = new Map(records.map((r) => [r.id, reader]));
    else if (worker && view === 'record') {
      const mine = await this.desk.workingOn(
        principal.userId,
        records.map((r) => r.id),
      );
      full = new Map([...mine].map((id) => [id, worker]));
    }
    const shown = records.filter((r) => full.has(r.id) && hasPhone(r));
    for (const role of new Set(shown.map((r) => full.get(r.id)!))) {
      const ids = shown.filter((r) => full.get(r.id) === role).map((r) => r.id);
      await this.desk.noteContactReads({ id: principal.userId, role }, ids, view);
    }
    return records.map((r) =>
      full.has(r.id) ? r : { ...masked(r), ...(r.reports ? { reports: r.reports.map(masked) } : {}) },
    );
  }

  async one<T extends WithReports>(principal: Principal, record: T): Promise<T> {
    return (await this.present(principal, [record], 'record'))[0]!;
  }
}

/**
 * The outbox hook the desk calls inside a change's transaction: each notice becomes one row per
 * receiver and channel, routed by the staff table (a person's channels and quiet hours) and the
 * configured group chats (per site and trade). Nothing here talks to the network.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../records/index.ts';
import type { Lang, OutboxHook } from '../records/service/index.ts';
import type { Channel, NotifyOptions } from './config.ts';
import { render } from './messages.ts';

interface Person {
  id: string;
  name: string;
  phone: string | null;
  email: string | null;
  via: string[];
  /** End of the person's quiet hours when `at` falls inside them (site local time). */
  quietUntil: Date | null;
}

/** A person's own channels: SMS to their phone, e-mail; whichever of them is configured. */
async function people(tx: Queryable, ids: readonly string[], site: string, at: Date): Promise<Person[]> {
  if (ids.length === 0) return [];
  return tx.query<Person>(
    `WITH l AS (SELECT ($3::timestamptz AT TIME ZONE timezone) AS t, timezone AS tz FROM sites WHERE id = $2)
     SELECT s.id, s.name, s.phone, s.email, s.notify_via AS via,
       CASE WHEN s.quiet_from IS NOT NULL AND s.quiet_until IS NOT NULL AND (
           (s.quiet_from < s.quiet_until AND l.t::time >= s.quiet_from AND l.t::time < s.quiet_until)
           OR (s.quiet_from >= s.quiet_until AND (l.t::time >= s.quiet_from OR l.t::time < s.quiet_until)))
         THEN (date_trunc('day', l.t) + s.quiet_until
           + CASE WHEN l.t::time < s.quiet_until THEN interval '0' ELSE interval '1 day' END) AT TIME ZONE l.tz
       END AS "quietUntil"
     FROM staff s CROSS JOIN l WHERE s.id = ANY($1::text[]) AND s.active ORDER BY s.id COLLATE "C"`,
    [ids, site, at],
  );
}

interface Row {
  channel: Channel;
  target: string;
  queue: string;
  staffId: string | null;
  mentions: string[];
  nextAt: Date;
}

export function createOutboxHook(options: NotifyOptions, lang: Lang): OutboxHook {
  const chats = Object.entries(options.receivers);
  return async (tx, notices, at) => {
    for (const n of notices) {
      // In the site's language where it has one, else the platform's.
      const [site] = await tx.query<{ lang: Lang | null }>('SELECT lang FROM sites WHERE id = $1', [n.site]);
      const message = render(n, site?.lang ?? lang, options.consoleUrl);
      const told = await people(tx, n.to, n.site, at);
      const rows: Row[] = [];
      for (const p of told) {
        // Emergencies always go out; anything else waits for the end of the person's quiet hours.
        const nextAt = !n.emergency && p.quietUntil ? p.quietUntil : at;
        if (p.via.includes('sms') && p.phone && options.sms)
          rows.push({
            channel: 'sms',
            target: p.phone,
            queue: `sms:${p.id}`,
            staffId: p.id,
            mentions: [],
            nextAt,
          });
        if (p.via.includes('email') && p.email && options.smtp)
          rows.push({
            channel: 'email',
            target: p.email,
            queue: `email:${p.id}`,
            staffId: p.id,
            mentions: [],
            nextAt,
          });
      }
      // Group chats: the site's and trade's, @-mentioning the people told by their phone numbers.
      const mentions = told.flatMap((p) => (p.phone ? [p.phone] : []));
      for (const [name, r] of chats) {
        if (r.sites.length > 0 && !r.sites.includes(n.site)) continue;
        if (r.trades.length > 0 && !r.trades.includes(n.trade)) continue;
        rows.push({
          channel: r.type,
          target: name,
          queue: `chat:${name}`,
          staffId: null,
          mentions,
          nextAt: at,
        });
      }
      for (const row of rows) {
        const name = told.find((p) => p.id === row.staffId)?.name;
        await tx.query(
          `INSERT INTO notify_outbox (key, queue, channel, target, staff_id, mentions, site_id, subject, subject_id,
             event, emergency, message, created_at, next_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
          [
            randomUUID(),
            row.queue,
            row.channel,
            row.target,
            row.staffId,
            row.mentions,
            n.site,
            n.subject,
            n.subjectId,
            n.event,
            n.emergency,
            JSON.stringify({ ...message, ...(name ? { name } : {}) }),
            at,
            row.nextAt,
          ],
        );
      }
    }
  };
}

/** `facility plans ...`: maintenance plans, the month's calendar, and a job's checklist. */
import type { Actor, Plan } from '../records/service/index.ts';
import {
  deskOn,
  groupCommand,
  idAndJson,
  intOption,
  numberArg,
  parseOptions,
  printListing,
  type Subcommand,
  stringOptions,
  UsageError,
} from './support.ts';

/** `15d`, `6m` (months) or `1y`. */
function everyOption(value: string | undefined) {
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  const m = /^(\d+)([dmy])$/.exec(value);
  if (!m) throw new UsageError(`--every must look like 15d, 6m or 1y (or none), got "${value}"`);
  const n = Number(m[1]);
  return m[2] === 'd'
    ? { count: n, unit: 'day' as const }
    : { count: m[2] === 'y' ? 12 * n : n, unit: 'month' as const };
}

/** `runs_total:50000`. */
function meterOption(value: string | undefined) {
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  const m = /^([a-z][a-z0-9_]*):(\d+(?:\.\d+)?)$/.exec(value);
  if (!m) throw new UsageError(`--meter must look like runs_total:50000 (or none), got "${value}"`);
  return { field: m[1]!, every: Number(m[2]) };
}

function trigger(p: Plan): string {
  const cal = p.every
    ? `every ${p.every.count} ${p.every.unit}${p.every.count > 1 ? 's' : ''} from ${p.startsOn}`
    : '';
  const meter = p.meter ? `each ${p.meter.every} of ${p.meter.field}` : '';
  return [cal, meter].filter(Boolean).join(' and ');
}

const subcommands: Record<string, Subcommand> = {
  add: {
    usage:
      'add --site S --scope device|kind|site [--device ID] [--kind K] [--template T] [--every 15d|6m|1y|none]\n    [--starts YYYY-MM-DD] [--meter FIELD:STEP|none] [--lead DAYS] [--name TEXT] [--by NAME]',
    about:
      'add a maintenance plan; the template (lift-half-monthly, tank-cleaning, emergency-lighting-monthly,\nemergency-lighting-yearly, lift-runs, pump-run-hours, nvr-disk-age) gives interval and checklist',
    parse: (args, ctx) => {
      const { values } = stringOptions(
        args,
        ['site', 'scope', 'device', 'kind', 'template', 'every', 'starts', 'meter', 'lead', 'name', 'by'],
        ['site', 'scope'],
      );
      const input = {
        site: values.site,
        scope: values.scope,
        device: values.device,
        kind: values.kind,
        template: values.template,
        every: everyOption(values.every),
        startsOn: values.starts,
        meter: meterOption(values.meter),
        leadDays: intOption('lead', values.lead),
        name: values.name,
        createdBy: values.by ?? 'cli',
      };
      return async (records) => {
        const p = await deskOn(records, ctx).addPlan(input);
        ctx.out(
          `maintenance plan ${p.id} added: ${p.name}, ${trigger(p)}, ${p.items.length} checklist items`,
        );
      };
    },
  },
  list: {
    usage: 'list [--site S] [--all] [--json]',
    about: 'maintenance plans (--all: ended ones too)',
    parse: (args, ctx) => {
      const { values } = parseOptions(args, { strings: ['site'], flags: ['all', 'json'] });
      return async (records) =>
        printListing(
          ctx,
          await deskOn(records, ctx).listPlans({ site: values.site, active: !values.all }),
          values.json,
          {
            empty: 'no maintenance plans match',
            header: ['ID', 'SITE', 'FOR', 'STATE', 'PLAN'],
            row: (p) => [
              String(p.id),
              p.site,
              p.scope === 'device' ? `device ${p.device}` : p.scope === 'kind' ? `every ${p.kind}` : 'site',
              p.endedAt ? 'ended' : 'active',
              `${p.name}: ${trigger(p)}`,
            ],
            trim: true,
          },
        );
    },
  },
  end: {
    usage: 'end ID [--by NAME]',
    about: 'end a plan: no more jobs (the ones made go on)',
    parse: (args, ctx) => {
      const {
        values,
        args: [raw],
      } = stringOptions(args, ['by'], [], ['ID']);
      const id = numberArg(raw, 'ID');
      return async (records) => {
        const p = await deskOn(records, ctx).endPlan(id, values.by ?? 'cli');
        ctx.out(`maintenance plan ${p.id} ended: ${p.name}`);
      };
    },
  },
  calendar: {
    usage: 'calendar --site S --month YYYY-MM [--json]',
    about: "the month's maintenance jobs, generated and to come",
    parse: (args, ctx) => {
      const { values } = parseOptions(args, { strings: ['site', 'month'], flags: ['json'] });
      const { site, month } = values;
      if (!site || !month) throw new UsageError('--site and --month are required');
      return async (records) =>
        printListing(ctx, await deskOn(records, ctx).planCalendar(site, month), values.json, {
          empty: `nothing due at ${site} in ${month}`,
          header: ['DUE', 'RECORD', 'STATE', 'ASSIGNEE', 'JOB'],
          row: (c) => [
            c.dueDate,
            c.recordId === null ? '-' : String(c.recordId),
            c.state ?? (c.overdue ? 'overdue' : 'to come'),
            c.assigneeId ?? '-',
            `${c.plan}${c.deviceId ? ` ${c.deviceId}` : ''}`,
          ],
          trim: true,
        });
    },
  },
  checklist: {
    usage: 'checklist JOB [--json]',
    about: "a maintenance job's checklist and answers",
    parse: (args, ctx) => {
      const { id: job, json } = idAndJson(args, 'JOB');
      const id = numberArg(job, 'JOB');
      return async (records) =>
        printListing(ctx, await deskOn(records, ctx).getChecklist(id), json, {
          header: ['#', 'RESULT', 'FAULT', 'ITEM'],
          row: (i) => [
            String(i.position),
            i.result ?? '-',
            i.faultRecordId === null ? '' : `record ${i.faultRecordId}`,
            i.note ? `${i.text} (${i.note})` : i.text,
          ],
          trim: true,
        });
    },
  },
  check: {
    usage: 'check JOB POSITION done|not_done|fault [--note TEXT] [--by NAME]',
    about: 'answer a checklist item of a job on site (a fault opens a repair record linked to the job)',
    parse: (args, ctx) => {
      const {
        values,
        args: [job, position, result],
      } = stringOptions(args, ['note', 'by'], [], ['JOB', 'POSITION', 'RESULT']);
      const jobId = numberArg(job, 'JOB');
      const pos = numberArg(position, 'POSITION');
      // The command line is the supervisors' tool: it answers for the job's engineer.
      const actor: Actor = { id: values.by ?? 'cli', role: 'supervisor' };
      return async (records) => {
        const { item, fault } = await deskOn(records, ctx).checkItem(
          jobId,
          pos,
          { result, note: values.note },
          actor,
        );
        ctx.out(
          `job ${jobId} item ${item.position}: ${item.result}${fault ? `; repair record ${fault.id} opened` : ''}`,
        );
      };
    },
  },
};

/** `facility plans ...` and its help (`facility plans --help`, a subcommand's). */
export const { help, run } = groupCommand({
  name: 'plans',
  subcommands,
  notes:
    'due dates are the site’s local dates; a job is a service record (type maintenance) worked like any other',
});

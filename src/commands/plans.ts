/** `facility plans ...`: maintenance plans, the month's calendar, and a job's checklist. */
import { parseArgs } from 'node:util';
import type { Actor, Plan } from '../records/service/index.ts';
import {
  deskOn,
  dispatch,
  type Group,
  groupHelp,
  intOption,
  positionals,
  type Subcommand,
  stringOptions,
  table,
  UsageError,
} from './support.ts';
import type { CommandContext } from './usage.ts';

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

function idArg(raw: string, what: string): number {
  if (!/^\d+$/.test(raw)) throw new UsageError(`${what} must be a number, got "${raw}"`);
  return Number(raw);
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
      const { values } = parseArgs({
        args,
        options: { site: { type: 'string' }, all: { type: 'boolean' }, json: { type: 'boolean' } },
      });
      return async (records) => {
        const plans = await deskOn(records, ctx).listPlans({ site: values.site, active: !values.all });
        if (values.json) return ctx.out(JSON.stringify(plans, null, 2));
        if (plans.length === 0) return ctx.out('no maintenance plans match');
        const rows = plans.map((p) => [
          String(p.id),
          p.site,
          p.scope === 'device' ? `device ${p.device}` : p.scope === 'kind' ? `every ${p.kind}` : 'site',
          p.endedAt ? 'ended' : 'active',
          `${p.name}: ${trigger(p)}`,
        ]);
        for (const line of table([['ID', 'SITE', 'FOR', 'STATE', 'PLAN'], ...rows])) ctx.out(line.trimEnd());
      };
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
      const id = idArg(raw, 'ID');
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
      const { values } = parseArgs({
        args,
        options: { site: { type: 'string' }, month: { type: 'string' }, json: { type: 'boolean' } },
      });
      if (!values.site || !values.month) throw new UsageError('--site and --month are required');
      return async (records) => {
        const items = await deskOn(records, ctx).planCalendar(values.site!, values.month!);
        if (values.json) return ctx.out(JSON.stringify(items, null, 2));
        if (items.length === 0) return ctx.out(`nothing due at ${values.site} in ${values.month}`);
        const rows = items.map((c) => [
          c.dueDate,
          c.recordId === null ? '-' : String(c.recordId),
          c.state ?? (c.overdue ? 'overdue' : 'to come'),
          c.assigneeId ?? '-',
          `${c.plan}${c.deviceId ? ` ${c.deviceId}` : ''}`,
        ]);
        for (const line of table([['DUE', 'RECORD', 'STATE', 'ASSIGNEE', 'JOB'], ...rows]))
          ctx.out(line.trimEnd());
      };
    },
  },
  checklist: {
    usage: 'checklist JOB [--json]',
    about: "a maintenance job's checklist and answers",
    parse: (args, ctx) => {
      const { values, positionals: pos } = parseArgs({
        args,
        allowPositionals: true,
        options: { json: { type: 'boolean' } },
      });
      const id = idArg(positionals(pos, ['JOB'])[0], 'JOB');
      return async (records) => {
        const items = await deskOn(records, ctx).getChecklist(id);
        if (values.json) return ctx.out(JSON.stringify(items, null, 2));
        const rows = items.map((i) => [
          String(i.position),
          i.result ?? '-',
          i.faultRecordId === null ? '' : `record ${i.faultRecordId}`,
          i.note ? `${i.text} (${i.note})` : i.text,
        ]);
        for (const line of table([['#', 'RESULT', 'FAULT', 'ITEM'], ...rows])) ctx.out(line.trimEnd());
      };
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
      const jobId = idArg(job, 'JOB');
      const pos = idArg(position, 'POSITION');
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

const group: Group = {
  name: 'plans',
  subcommands,
  notes:
    'due dates are the site’s local dates; a job is a service record (type maintenance) worked like any other',
};

/** `facility plans --help` and its subcommands' help. */
export const help = (args: string[]): string => groupHelp(group, args);

/** `facility plans ...` */
export function run(ctx: CommandContext): Promise<number> {
  return dispatch(ctx, group);
}

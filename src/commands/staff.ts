import { parseArgs } from 'node:util';
import {
  deskOn,
  dispatch,
  type Group,
  groupHelp,
  listOption,
  positionals,
  type Subcommand,
  stringOptions,
  table,
} from './support.ts';
import type { CommandContext } from './usage.ts';

const subcommands: Record<string, Subcommand> = {
  add: {
    usage:
      'add ID --name NAME --roles R[,R] [--trades T[,T]] [--sites S[,S]] [--phone P] [--email E] [--notify-via sms,email] [--quiet-hours HH:MM-HH:MM]',
    about: 'add a person (no --sites: they work every site)',
    parse: (args, ctx) => {
      const {
        values,
        args: [id],
      } = stringOptions(
        args,
        ['name', 'roles', 'trades', 'sites', 'phone', 'email', 'notify-via', 'quiet-hours'],
        ['name', 'roles'],
        ['ID'],
      );
      const input = {
        id,
        name: values.name,
        phone: values.phone,
        roles: listOption(values.roles),
        trades: listOption(values.trades),
        sites: listOption(values.sites),
        // A person's own notification channels (docs/notifications.md).
        email: values.email,
        notifyVia: listOption(values['notify-via']),
        quietHours: values['quiet-hours'],
      };
      return async (records) => {
        const s = await deskOn(records, ctx).addStaff(input);
        ctx.out(
          `staff ${s.id} added: ${s.name}, ${s.roles.join(', ')}${s.trades.length ? ` (${s.trades.join(', ')})` : ''}, ${s.sites.length ? `sites ${s.sites.join(', ')}` : 'every site'}`,
        );
      };
    },
  },
  list: {
    usage: 'list [--site S] [--json]',
    about: 'staff, active and deactivated',
    parse: (args, ctx) => {
      const { values } = parseArgs({
        args,
        options: { site: { type: 'string' }, json: { type: 'boolean' } },
      });
      return async (records) => {
        const staff = await deskOn(records, ctx).listStaff(values.site);
        if (values.json) return ctx.out(JSON.stringify(staff, null, 2));
        if (staff.length === 0) return ctx.out('no staff yet; add someone with `facility staff add`');
        const rows = staff.map((s) => [
          s.id,
          s.active ? 'active' : 'inactive',
          s.roles.join(','),
          s.trades.join(',') || '-',
          s.sites.join(',') || '*',
          s.phone ?? '-',
          s.name,
        ]);
        const header = ['ID', 'STATUS', 'ROLES', 'TRADES', 'SITES', 'PHONE', 'NAME'];
        for (const line of table([header, ...rows])) ctx.out(line);
      };
    },
  },
  deactivate: {
    usage: 'deactivate ID',
    about: 'take a person off the duty table (nobody is deleted)',
    parse: (args, ctx) => {
      const [id] = positionals(parseArgs({ args, allowPositionals: true }).positionals, ['ID']);
      return async (records) => {
        const s = await deskOn(records, ctx).updateStaff(id, { active: false });
        ctx.out(`staff ${s.id} deactivated: their shifts no longer count; their records keep their name`);
      };
    },
  },
};

const group: Group = {
  name: 'staff',
  subcommands,
  notes: `roles: front_desk, engineer, guard, supervisor, manager, admin, service
trades: engineering, security, fire, cleaning, customer_service`,
};

/** `facility staff --help` and its subcommands' help. */
export const help = (args: string[]): string => groupHelp(group, args);

/** `facility staff ...` */
export function run(ctx: CommandContext): Promise<number> {
  return dispatch(ctx, group);
}

import {
  deskOn,
  groupCommand,
  listOption,
  parseOptions,
  printListing,
  type Subcommand,
  stringOptions,
} from './support.ts';

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
      const { values } = parseOptions(args, { strings: ['site'], flags: ['json'] });
      return async (records) =>
        printListing(ctx, await deskOn(records, ctx).listStaff(values.site), values.json, {
          empty: 'no staff yet; add someone with `facility staff add`',
          header: ['ID', 'STATUS', 'ROLES', 'TRADES', 'SITES', 'PHONE', 'NAME'],
          row: (s) => [
            s.id,
            s.active ? 'active' : 'inactive',
            s.roles.join(','),
            s.trades.join(',') || '-',
            s.sites.join(',') || '*',
            s.phone ?? '-',
            s.name,
          ],
        });
    },
  },
  deactivate: {
    usage: 'deactivate ID',
    about: 'take a person off the duty table (nobody is deleted)',
    parse: (args, ctx) => {
      const [id] = parseOptions(args, { args: ['ID'] }).args;
      return async (records) => {
        const s = await deskOn(records, ctx).updateStaff(id, { active: false });
        ctx.out(`staff ${s.id} deactivated: their shifts no longer count; their records keep their name`);
      };
    },
  },
};

/** `facility staff ...` and its help (`facility staff --help`, a subcommand's). */
export const { help, run } = groupCommand({
  name: 'staff',
  subcommands,
  notes: `roles: front_desk, engineer, guard, supervisor, manager, admin, service
trades: engineering, security, fire, cleaning, customer_service`,
});

import { dateOf, systemClock } from '../clock.ts';
import { COMMAND_NAMES, type CommandName } from '../protocol/index.ts';
import { type Device, listCommands, queueCommand } from '../records/index.ts';
import { withMosquitto } from './mosquitto-push.ts';
import {
  groupCommand,
  idAndJson,
  intOption,
  parseOptions,
  printListing,
  type Subcommand,
  stringOptions,
  UsageError,
} from './support.ts';
import type { CommandContext } from './usage.ts';

function printSecret(ctx: CommandContext, id: string, secret: string): void {
  ctx.out(`secret: ${secret}`);
  ctx.out(`store it now, it is not shown again. The device connects with client id and username "${id}"`);
  ctx.out('and this secret as password; if it is lost, issue a new one with `facility devices rotate`.');
}

function describe(d: Device): string {
  const where = [d.building && `building ${d.building}`, d.floor !== null && `floor ${d.floor}`, d.location]
    .filter(Boolean)
    .join(', ');
  return `${d.kind} at ${d.site}${where ? ` (${where})` : ''}, reports every ${d.intervalS} s`;
}

const subcommands: Record<string, Subcommand> = {
  add: {
    usage:
      'add --site S --kind K --id ID [--model M] [--building B] [--floor N] [--location L]\n    [--interval SECONDS] [--installed YYYY-MM-DD]',
    about: 'register a device and print its secret once',
    parse: (args, ctx) => {
      const { values } = stringOptions(
        args,
        ['site', 'kind', 'id', 'model', 'building', 'floor', 'location', 'interval', 'installed'],
        ['site', 'kind', 'id'],
      );
      const input = {
        id: values.id,
        site: values.site,
        kind: values.kind as Device['kind'],
        model: values.model,
        building: values.building,
        floor: intOption('floor', values.floor),
        location: values.location,
        intervalS: intOption('interval', values.interval),
        installedOn: values.installed,
      };
      return async (records) => {
        const { device, secret } = await withMosquitto(ctx, records, () => records.addDevice(input));
        ctx.out(`device ${device.id} registered: ${describe(device)}`);
        printSecret(ctx, device.id, secret);
      };
    },
  },
  list: {
    usage: 'list [--site S] [--kind K] [--all] [--json]',
    about: 'registered devices (--all includes revoked)',
    parse: (args, ctx) => {
      const { values } = parseOptions(args, { strings: ['site', 'kind'], flags: ['all', 'json'] });
      const filter = {
        site: values.site,
        kind: values.kind as Device['kind'],
        includeRevoked: values.all ?? false,
      };
      return async (records) =>
        printListing(ctx, await records.listDevices(filter), values.json, {
          empty: 'no devices match',
          header: ['ID', 'SITE', 'KIND', 'BUILDING', 'FLOOR', 'EVERY', 'STATUS', 'LOCATION'],
          row: (d) => [
            d.id,
            d.site,
            d.kind,
            d.building ?? '-',
            d.floor === null ? '-' : String(d.floor),
            `${d.intervalS}s`,
            d.revokedAt ? 'revoked' : 'active',
            d.location ?? '',
          ],
          trim: true,
          footer: (devices) => `${devices.length} device${devices.length === 1 ? '' : 's'}`,
        });
    },
  },
  rotate: {
    usage: 'rotate ID',
    about: 'issue a new secret; the old one stops working',
    parse: (args, ctx) => {
      const [id] = parseOptions(args, { args: ['ID'] }).args;
      return async (records) => {
        const secret = await withMosquitto(ctx, records, () => records.rotateDeviceSecret(id));
        ctx.out(`new secret issued for ${id}; the old one no longer works from the device's next connect`);
        printSecret(ctx, id, secret);
      };
    },
  },
  revoke: {
    usage: 'revoke ID',
    about: 'take a device out of service for good',
    parse: (args, ctx) => {
      const [id] = parseOptions(args, { args: ['ID'] }).args;
      return async (records) => {
        const d = await withMosquitto(ctx, records, () => records.revokeDevice(id));
        ctx.out(`device ${d.id} revoked at ${d.revokedAt!.toISOString()}; it can no longer connect`);
      };
    },
  },
  command: {
    usage: 'command ID reset|report-now [--record N] [--note TEXT] [--by NAME]',
    about:
      "queue a command to the device; the running platform's command sender publishes it\n(reset: a tripped lighting circuit; report-now: any device). See the answer with `commands ID`",
    parse: (args, ctx) => {
      const {
        values,
        args: [id, command],
      } = stringOptions(args, ['record', 'note', 'by'], [], ['ID', 'COMMAND']);
      if (!(COMMAND_NAMES as readonly string[]).includes(command))
        throw new UsageError(`unknown command "${command}"; commands: ${COMMAND_NAMES.join(', ')}`);
      const input = {
        deviceId: id,
        command: command as CommandName,
        recordId: intOption('record', values.record),
        note: values.note,
        // Whoever runs the command line holds the platform's data: an administrator.
        by: { id: values.by ?? 'cli', role: 'admin' },
        ttlMs: ctx.config.FM_COMMAND_TTL_S * 1000,
      };
      return async (records) => {
        const c = await queueCommand(records.db, input, dateOf(systemClock));
        ctx.out(
          `command ${c.command} ${c.id} queued for ${c.deviceId}; it expires at ${c.expiresAt.toISOString()}`,
        );
      };
    },
  },
  commands: {
    usage: 'commands ID [--json]',
    about: "the device's commands, newest first, with the device's answers",
    parse: (args, ctx) => {
      const { id, json } = idAndJson(args);
      return async (records) => {
        await records.getDevice(id);
        await printListing(ctx, await listCommands(records.db, id), json, {
          empty: `no commands for ${id}`,
          header: ['GIVEN', 'COMMAND', 'STATE', 'RESULT', 'BY', 'DETAIL'],
          row: (c) => [
            c.createdAt.toISOString(),
            c.command,
            c.state,
            c.result ?? '-',
            c.requestedBy,
            c.detail ?? c.lastError ?? '',
          ],
          trim: true,
        });
      };
    },
  },
};

/** `facility devices ...` and its help (`facility devices --help`, a subcommand's). */
export const { help, run } = groupCommand({
  name: 'devices',
  subcommands,
  notes: 'kinds: lift, pump, lighting, cctv. Basement floors are negative: --floor=-2',
});

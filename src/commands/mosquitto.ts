import { chmodSync, chownSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dynsecFile } from '../mosquitto/index.ts';
import { loadServiceSecret } from '../service-secret.ts';
import { dispatch, type Group, groupHelp, positionals, type Subcommand, UsageError } from './support.ts';
import type { CommandContext } from './usage.ts';

const subcommands: Record<string, Subcommand> = {
  'dynsec-file': {
    usage: 'dynsec-file PATH',
    about: `write mosquitto's dynamic security file (plugin_opt_config_file) from the registry: every
device with the registry's PBKDF2-SHA512 hash of its secret, the service accounts and the admin
(FM_MOSQUITTO_ADMIN_USER/PASSWORD). Clients, roles and groups of an existing file that are not the
platform's are kept. Run it while mosquitto is stopped (it rewrites the file on every change),
e.g. as ExecStartPre of mosquitto.service; docs/deploy.md.`,
    parse: (args, ctx) => {
      const [path] = positionals(args, ['PATH'] as const);
      const password = ctx.config.FM_MOSQUITTO_ADMIN_PASSWORD;
      if (!password)
        throw new UsageError('set FM_MOSQUITTO_ADMIN_PASSWORD: the admin is written into the file');
      return async (records) => {
        const existing = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
        const contents = dynsecFile({
          accounts: await records.brokerAccounts(),
          serviceSecret: loadServiceSecret(ctx.config.FM_SERVICE_SECRET, ctx.config.FM_DATA_DIR).secret,
          admin: { username: ctx.config.FM_MOSQUITTO_ADMIN_USER, password },
          existing,
        });
        // Written aside and renamed, with the old file's owner and mode (mosquitto's own user
        // must read and rewrite it); a new file is private to this user.
        const tmp = `${path}.fm-new`;
        writeFileSync(tmp, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600 });
        if (existing) {
          const was = statSync(path);
          chmodSync(tmp, was.mode & 0o777);
          if (process.getuid?.() === 0) chownSync(tmp, was.uid, was.gid);
        }
        renameSync(tmp, path);
        const devices = contents.clients?.filter((c) => c.textname === 'facility-monitor device').length ?? 0;
        ctx.out(
          `${path}: ${devices} device(s), the service accounts and ${ctx.config.FM_MOSQUITTO_ADMIN_USER}`,
        );
      };
    },
  },
};

const group: Group = { name: 'mosquitto', subcommands };

/** `facility mosquitto --help` */
export const help = (args: string[]): string => groupHelp(group, args);

export function run(ctx: CommandContext): Promise<number> {
  return dispatch(ctx, group);
}

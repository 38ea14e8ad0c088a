/**
 * Keeps mosquitto's dynamic security plugin in step with the device registry, the source of truth:
 * - a secret issued in this process (registration, rotation) reaches mosquitto at once, in clear,
 *   through the plugin's API (the only form its API takes in 2.0), and is forgotten when applied;
 * - revocations and rotations made anywhere are followed through the registry's change feed: a
 *   revoked device is disabled (mosquitto kicks it), a device rotated where its new secret could
 *   not reach us is disabled too (its old secret must stop working) until mosquitto is restarted
 *   on a file rebuilt from the registry (export.ts);
 * - a full comparison on every (re)connection and every `checkMs` repairs drift: missing or
 *   changed roles and ACLs, clients disabled or enabled behind our back, clients of ours the
 *   registry does not know. A client deleted behind our back comes back with its password from the
 *   rebuilt file (restart), or at once if its secret is still waiting here.
 */
import { type Clock, systemClock } from '../clock.ts';
import type { ServiceHealth } from '../health.ts';
import type { Logger } from '../log.ts';
import type { Records } from '../records/index.ts';
import { connectDynsec, type DynsecAdmin, type DynsecConnection } from './control.ts';
import {
  type Command,
  type DynsecClient,
  type DynsecRole,
  deviceRole,
  planRepair,
  planServices,
  type Repair,
} from './plan.ts';

export interface DynsecSyncDeps {
  admin: DynsecAdmin;
  records: Pick<Records, 'brokerAccounts' | 'onSecretsIssued' | 'changedDevices'>;
  serviceSecret: string;
  log: Logger;
  /** Full comparison period, ms. */
  checkMs: number;
  /** How often the registry's change feed (revocations, rotations) is read, ms. Default 2000. */
  followMs?: number;
  /** Wall clock for how long an issued secret is held; tests pass a fake one. */
  now?: Clock;
  /** The admin connection; tests pass one of their own. Default: connectDynsec. */
  connect?: typeof connectDynsec;
}

export interface DynsecSync {
  health(): ServiceHealth;
  /** Runs a full comparison now (tests, and after a reconnection). */
  check(): Promise<void>;
  stop(): Promise<void>;
}

/** A secret not applied within this long is dropped from memory: the rebuilt file then serves. */
const SECRET_HELD_MS = 10 * 60_000;

export async function startDynsecSync(deps: DynsecSyncDeps): Promise<DynsecSync> {
  const { log, records, now = systemClock } = deps;
  const conn: DynsecConnection = (deps.connect ?? connectDynsec)(deps.admin, log);
  const secrets = new Map<string, { secret: string; at: number }>();
  let needSecret: string[] = [];
  let lastError: string | undefined;
  let queue: Promise<void> = Promise.resolve();
  let cursor: string | undefined;

  /** One run at a time, in order: a full check never interleaves with a targeted repair. */
  const serial = (work: () => Promise<void>): Promise<void> => {
    queue = queue.then(work).then(
      () => {
        lastError = undefined;
      },
      (err: Error) => {
        lastError = err.message;
        log.warn({ err: err.message }, 'mosquitto dynamic security sync failed; will retry');
      },
    );
    return queue;
  };

  const heldSecrets = () => {
    for (const [id, s] of secrets) if (now() - s.at > SECRET_HELD_MS) secrets.delete(id);
    return new Map([...secrets].map(([id, s]) => [id, s.secret]));
  };

  /** Forgets `id`'s held secret if it is still `secret` (not one issued since). */
  const forget = (id: string, secret: unknown) => {
    if (secrets.get(id)?.secret === secret) secrets.delete(id);
  };

  /**
   * Sends a repair's commands and forgets the secrets it no longer needs. `held` must have been
   * taken before the registry was read: a secret issued after that read is not judged by it.
   */
  const carryOut = async (repair: Repair, held: ReadonlyMap<string, string>, before: Command[] = []) => {
    for (const id of repair.forget) forget(id, held.get(id));
    await apply([...before, ...repair.commands]);
  };

  const apply = async (commands: Command[]) => {
    if (commands.length === 0) return;
    const answers = await conn.send(commands);
    answers.forEach((a, i) => {
      const c = commands[i]!;
      if (a.error)
        log.warn({ command: c.command, username: c.username, error: a.error }, 'mosquitto refused');
      else if (c.command === 'createClient' || c.command === 'setClientPassword')
        forget(String(c.username), c.password); // applied: forgotten
      else if (c.command === 'disableClient')
        log.info({ clientId: c.username }, 'device disabled in mosquitto');
    });
  };

  const full = async () => {
    const [clientsAnswer, rolesAnswer] = await conn.send([
      { command: 'listClients', verbose: true },
      { command: 'listRoles', verbose: true },
    ]);
    const clients = new Map(
      ((clientsAnswer?.data?.clients ?? []) as DynsecClient[]).map((c) => [c.username, c]),
    );
    const roles = new Map(((rolesAnswer?.data?.roles ?? []) as DynsecRole[]).map((r) => [r.rolename, r]));
    const held = heldSecrets();
    const accounts = await records.brokerAccounts();
    const services = planServices({ clients, roles, serviceSecret: deps.serviceSecret });
    const repair = planRepair({ accounts, clients, roles, secrets: held, complete: true });
    needSecret = repair.needSecret;
    await carryOut(repair, held, services);
  };

  /** Repairs only `ids`: after an issue in this process, or a change in the registry's feed. */
  const some = async (ids: string[]) => {
    const wanted = new Set(ids);
    const held = heldSecrets();
    const accounts = (await records.brokerAccounts(ids)).filter((a) => wanted.has(a.deviceId));
    const answers = await conn.send(
      accounts.flatMap((a) => [
        { command: 'getClient', username: a.deviceId },
        { command: 'getRole', rolename: deviceRole(a.deviceId) },
      ]),
    );
    const clients = new Map<string, DynsecClient>();
    const roles = new Map<string, DynsecRole>();
    for (const a of answers) {
      const client = a.data?.client as DynsecClient | undefined;
      const role = a.data?.role as DynsecRole | undefined;
      if (client) clients.set(client.username, client);
      if (role) roles.set(role.rolename, role);
    }
    const repair = planRepair({ accounts, clients, roles, secrets: held, complete: false });
    needSecret = [...new Set([...needSecret.filter((id) => !wanted.has(id)), ...repair.needSecret])];
    await carryOut(repair, held);
  };

  const off = records.onSecretsIssued((issued) => {
    // Held at once, before any queued run reads the registry's new hash: a rotation is then never
    // taken for one made elsewhere. Used only while the registry's hash is still this secret's.
    for (const { deviceId, secret } of issued) secrets.set(deviceId, { secret, at: now() });
    void serial(async () => {
      if (conn.connected()) await some(issued.map((i) => i.deviceId));
    });
  });

  const follow = () =>
    serial(async () => {
      const changes = await records.changedDevices(cursor);
      cursor = changes.cursor;
      if (changes.devices.length > 0 && conn.connected()) await some(changes.devices.map((d) => d.deviceId));
    });

  conn.onConnect(() => void serial(full));
  await follow(); // the feed's starting point
  const checkTimer = setInterval(() => conn.connected() && void serial(full), deps.checkMs);
  const followTimer = setInterval(() => void follow(), deps.followMs ?? 2000);
  checkTimer.unref();
  followTimer.unref();

  return {
    health(): ServiceHealth {
      if (!conn.connected())
        return {
          status: 'degraded',
          detail: `not connected to mosquitto's dynamic security API (${deps.admin.url}): registrations, rotations and revocations are not reaching it`,
        };
      if (lastError) return { status: 'degraded', detail: `mosquitto sync: ${lastError}` };
      if (needSecret.length > 0)
        return {
          status: 'degraded',
          detail: `${needSecret.length} device(s) cannot connect to mosquitto (${needSecret.slice(0, 3).join(', ')}${needSecret.length > 3 ? ', ...' : ''}): their secret was issued where it could not reach it; rebuild mosquitto's file from the registry and restart it, or rotate them (docs/deploy.md)`,
        };
      return { status: 'ok' };
    },
    check: () => serial(full),
    async stop() {
      off();
      clearInterval(checkTimer);
      clearInterval(followTimer);
      await queue;
      secrets.clear();
      await conn.close();
    },
  };
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config.ts';
import { type ProvisionFleet, planFleet } from '../simulators/index.ts';

/** Provisioning refused (API unreachable, no admin token, a device revoked): exit 1, one line. */
export class ProvisionError extends Error {}

const TOKEN_FILE = 'admin-token'; // as src/api/bootstrap.ts writes it

function adminToken(config: Config): string {
  if (config.FM_ADMIN_TOKEN) return config.FM_ADMIN_TOKEN;
  const file = join(config.FM_DATA_DIR, TOKEN_FILE);
  try {
    const token = readFileSync(file, 'utf8').trim();
    if (token) return token;
  } catch {
    // reported below, with what to do
  }
  throw new ProvisionError(`no admin token to register devices: set FM_ADMIN_TOKEN or keep ${file}`);
}

/** The API as this machine reaches it: a wildcard listen address is reached on loopback. */
export function apiBase(config: Config): string {
  const host = ['0.0.0.0', '::', ''].includes(config.FM_API_HOST) ? '127.0.0.1' : config.FM_API_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.FM_API_PORT}`;
}

/**
 * `facility simulate`'s credentials from the running platform's API (docs/api.md), for when the
 * embedded registry is held by `facility start`: the same steps as the registry provisioner
 * (site, buildings, new devices, rotated secrets of devices an earlier run registered).
 */
export function apiProvisioner(config: Config): ProvisionFleet {
  return async (counts, site) => {
    const base = apiBase(config);
    const token = adminToken(config);
    const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T | undefined> => {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (err) {
        const why = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
        throw new ProvisionError(
          `cannot reach the platform's API at ${base} (${why}); is \`facility start\` running?`,
        );
      }
      if (res.status === 404 && method === 'GET') return undefined;
      if (!res.ok) {
        const answer = (await res.json().catch(() => ({}))) as { message?: string };
        throw new ProvisionError(`${method} ${path}: ${res.status} ${answer.message ?? res.statusText}`);
      }
      return (await res.json()) as T;
    };
    const plan = planFleet(counts, site);
    const at = encodeURIComponent(site);
    if (!(await call('GET', `/sites/${at}`))) await call('POST', '/sites', { id: site, name: site });
    const buildings = await call<{ items: { id: string }[] }>('GET', `/sites/${at}/buildings`);
    const have = new Set(buildings?.items.map((b) => b.id));
    for (const b of plan.buildings.filter((b) => !have.has(b.id)))
      await call('POST', `/sites/${at}/buildings`, {
        id: b.id,
        name: b.id,
        floors: b.floors,
        basements: b.basements,
      });
    const listed = await call<{ items: { id: string; revokedAt: string | null }[] }>(
      'GET',
      `/devices?site=${at}&includeRevoked=true`,
    );
    const existing = new Map(listed?.items.map((d) => [d.id, d.revokedAt]));
    const result = [];
    for (const d of plan.devices) {
      const revokedAt = existing.get(d.deviceId);
      if (revokedAt) throw new ProvisionError(`device ${d.deviceId} is revoked; simulate another --site`);
      const issued =
        revokedAt === undefined
          ? await call<{ password: string }>('POST', '/devices', {
              id: d.deviceId,
              site,
              kind: d.kind,
              building: d.building,
              location: d.location,
              intervalS: d.interval_s,
            })
          : await call<{ password: string }>('POST', `/devices/${d.deviceId}/rotate`);
      result.push({ ...d, secret: issued!.password });
    }
    return result;
  };
}

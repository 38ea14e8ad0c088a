/**
 * EMQX 5's HTTP authentication and authorization, answered from the device registry with the same
 * credential check and topic policy as the built-in broker (broker/identity.ts, permissions.ts).
 *
 * The contract (EMQX 5 docs, access-control/authn/http and authz/http): EMQX POSTs a JSON body built
 * from its configured template; a 200 answer carries `{"result": "allow" | "deny" | "ignore"}`
 * (authentication may add `is_superuser` and, since 5.7, `client_attrs`); any 4xx/5xx status means
 * "ignore" whatever the body. So every decision here is a 200, and a refusal is `deny`, never a 4xx:
 * a 4xx would let the next source in EMQX's chain decide.
 */

import {
  createCredentialCheck,
  devicePrincipal,
  mayPublish,
  maySubscribe,
  type Principal,
  SERVICE_USER,
  serviceClientIdFits,
} from '../broker/index.ts';
import type { Logger } from '../log.ts';
import type { DeviceDirectory } from '../records/index.ts';

export type EmqxResult = 'allow' | 'deny' | 'ignore';

export interface EmqxAuthnRequest {
  clientid: string;
  username?: string;
  password?: string;
}

export interface EmqxAuthnAnswer {
  result: EmqxResult;
  is_superuser?: boolean;
  client_attrs?: Record<string, string>;
  /** Why, for the log only (never sent: it would tell a stranger which ids exist). */
  reason?: string;
}

export interface EmqxAuthzRequest {
  clientid: string;
  username?: string;
  topic: string;
  action: string;
  /**
   * `${client_attrs.fm_rotated_at}`: the rotation time the session authenticated with, as the
   * authentication answer set it. A session whose secret was rotated away since is refused.
   */
  rotated_at?: string;
}

/** The client attribute that carries a device session's rotation time (EMQX 5.7+ `client_attrs`). */
export const ROTATED_ATTR = 'fm_rotated_at';
/** The attribute's value for a secret never rotated. */
const NEVER = '0';

export interface EmqxAuth {
  authenticate(request: EmqxAuthnRequest): Promise<EmqxAuthnAnswer>;
  authorize(request: EmqxAuthzRequest): Promise<{ result: EmqxResult; reason?: string }>;
}

export function createEmqxAuth(deps: {
  devices: DeviceDirectory;
  serviceSecret: string;
  log: Logger;
}): EmqxAuth {
  const check = createCredentialCheck(deps);

  const authenticate = async ({ clientid, username, password }: EmqxAuthnRequest) => {
    const verdict = await check(
      clientid,
      username || undefined,
      password ? Buffer.from(password) : undefined,
    );
    if (!verdict.ok) {
      // The registry is down: "ignore" ends EMQX's chain with no one allowing, so the device is
      // refused now and retries, as with the built-in broker's "server unavailable".
      if (!verdict.failed) throw new Error(`registry unavailable: ${verdict.reason}`);
      return { result: 'deny', reason: verdict.reason } as const;
    }
    const p = verdict.principal;
    // Nobody is a superuser: services too are held to their topics (is_superuser skips authorization).
    const rotated = p.type === 'device' ? String(p.secretRotatedAt ?? NEVER) : NEVER;
    return { result: 'allow', is_superuser: false, client_attrs: { [ROTATED_ATTR]: rotated } } as const;
  };

  /** The principal behind an authenticated session, re-read from the registry for devices. */
  const principalOf = async (r: EmqxAuthzRequest): Promise<Principal | string> => {
    const username = r.username ?? '';
    if (SERVICE_USER.test(username)) {
      return serviceClientIdFits(username, r.clientid)
        ? { type: 'service', name: username.slice('service.'.length) }
        : 'client-id-mismatch';
    }
    if (username !== r.clientid) return 'client-id-mismatch';
    const device = await deps.devices.findDevice(r.clientid);
    if (!device) return 'unknown-device';
    // A revocation or a rotation ends what the session may do at once (and, with EMQX's
    // `deny_action = disconnect`, the session itself): the registry is read on every check.
    if (device.revokedAt) return 'revoked';
    const principal = devicePrincipal(device);
    const now = String(principal.secretRotatedAt ?? NEVER);
    if (r.rotated_at !== undefined && /^\d+$/.test(r.rotated_at) && r.rotated_at !== now) return 'rotated';
    return principal;
  };

  const authorize = async (r: EmqxAuthzRequest) => {
    const principal = await principalOf(r);
    if (typeof principal === 'string') return { result: 'deny', reason: principal } as const;
    const allowed =
      r.action === 'publish'
        ? mayPublish(principal, r.topic)
        : r.action === 'subscribe' && maySubscribe(principal, r.topic, true);
    return allowed
      ? ({ result: 'allow' } as const)
      : ({ result: 'deny', reason: `${r.action}-denied` } as const);
  };

  return { authenticate, authorize };
}

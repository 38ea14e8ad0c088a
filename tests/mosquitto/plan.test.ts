import { describe, expect, it } from 'vitest';
import {
  DEVICE_TEXT,
  type DynsecClient,
  type DynsecRole,
  deviceRole,
  deviceRoleAcls,
  planRepair,
  secretMark,
} from '../../src/mosquitto/plan.ts';
import { type BrokerAccount, brokerHashSync } from '../../src/records/index.ts';

const SECRET = 'pump-secret-0123456789abcdefghij';
const account = (deviceId: string, over: Partial<BrokerAccount> = {}): BrokerAccount => ({
  deviceId,
  site: 'estate-1',
  kind: 'pump',
  brokerHash: brokerHashSync(SECRET),
  revoked: false,
  ...over,
});
const inStep = (a: BrokerAccount, over: Partial<DynsecClient> = {}): DynsecClient => ({
  username: a.deviceId,
  clientid: a.deviceId,
  textname: DEVICE_TEXT,
  textdescription: secretMark(a.brokerHash!),
  roles: [{ rolename: deviceRole(a.deviceId) }],
  ...over,
});
const roleOf = (a: BrokerAccount): [string, DynsecRole] => [
  deviceRole(a.deviceId),
  { rolename: deviceRole(a.deviceId), acls: deviceRoleAcls(a) },
];

describe('planning mosquitto to match the registry', () => {
  it('gives a device exactly its own topics', () => {
    expect(deviceRoleAcls(account('P-1'))).toEqual([
      { acltype: 'publishClientSend', topic: 'fm/estate-1/pump/P-1/telemetry', allow: true },
      { acltype: 'publishClientSend', topic: 'fm/estate-1/pump/P-1/event', allow: true },
      { acltype: 'publishClientSend', topic: 'fm/estate-1/pump/P-1/status', allow: true },
      { acltype: 'publishClientSend', topic: 'fm/estate-1/pump/P-1/reply', allow: true },
      { acltype: 'subscribeLiteral', topic: 'fm/estate-1/pump/P-1/command', allow: true },
    ]);
  });

  it('sends nothing when mosquitto is in step', () => {
    const a = account('P-1');
    const plan = planRepair({
      accounts: [a],
      clients: new Map([['P-1', inStep(a)]]),
      roles: new Map([roleOf(a)]),
      complete: true,
    });
    expect(plan).toEqual({ commands: [], needSecret: [], forget: [] });
  });

  it('creates a new device with the secret issued here, as client id = username', () => {
    const a = account('P-1');
    const plan = planRepair({
      accounts: [a],
      clients: new Map(),
      roles: new Map(),
      secrets: new Map([['P-1', SECRET]]),
      complete: false,
    });
    expect(plan.commands.map((c) => c.command)).toEqual(['createRole', 'createClient']);
    expect(plan.commands[1]).toMatchObject({ username: 'P-1', clientid: 'P-1', password: SECRET });
  });

  it('never uses a held secret the registry has moved on from', () => {
    const a = account('P-1');
    const plan = planRepair({
      accounts: [a],
      clients: new Map(),
      roles: new Map([roleOf(a)]),
      secrets: new Map([['P-1', 'an-older-secret-0123456789abcdef']]),
      complete: false,
    });
    expect(plan).toEqual({ commands: [], needSecret: ['P-1'], forget: ['P-1'] });
  });

  it('disables a revoked device, and one whose password is not the registry secret (fail closed)', () => {
    const revoked = account('P-1', { revoked: true });
    const rotated = account('P-2');
    const plan = planRepair({
      accounts: [revoked, rotated],
      clients: new Map([
        ['P-1', inStep(revoked)],
        [
          'P-2',
          inStep(rotated, { textdescription: secretMark(brokerHashSync('old-secret-0123456789abcdefgh')) }),
        ],
      ]),
      roles: new Map([roleOf(revoked), roleOf(rotated)]),
      complete: true,
    });
    expect(plan.commands).toEqual([
      { command: 'disableClient', username: 'P-1' },
      { command: 'disableClient', username: 'P-2' },
    ]);
    expect(plan.needSecret).toEqual(['P-2']);
  });

  it("repairs a widened role and extra roles; deletes its own unknown clients, never an operator's", () => {
    const a = account('P-1');
    const plan = planRepair({
      accounts: [a],
      clients: new Map([
        ['P-1', inStep(a, { roles: [{ rolename: deviceRole('P-1') }, { rolename: 'admin' }] })],
        ['P-9', { username: 'P-9', textname: DEVICE_TEXT }],
        ['operator', { username: 'operator', textname: 'ops' }],
      ]),
      roles: new Map([
        [
          deviceRole('P-1'),
          { rolename: deviceRole('P-1'), acls: [{ acltype: 'subscribePattern', topic: '#', allow: true }] },
        ],
      ]),
      complete: true,
    });
    expect(plan.commands.map((c) => `${c.command} ${c.username ?? c.rolename}`)).toEqual([
      'modifyRole fm-device-P-1',
      'modifyClient P-1',
      'deleteClient P-9',
    ]);
  });
});

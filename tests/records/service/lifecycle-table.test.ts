/** The lifecycle table on its own: every action against every role and state, without a database. */
import { describe, expect, it } from 'vitest';
import { RecordsError } from '../../../src/records/errors.ts';
import { ACTIONS, decide, TRANSITIONS } from '../../../src/records/service/lifecycle.ts';
import { ROLES, type ServiceRecord, STATES } from '../../../src/records/service/types.ts';

const record = (state: ServiceRecord['state']): ServiceRecord =>
  ({
    id: 1,
    state,
    type: 'complaint',
    priority: 'emergency',
    assigneeId: 'eng-1',
    escalationLevel: 0,
  }) as ServiceRecord;

function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof RecordsError) return err.code;
    throw err;
  }
}

describe('lifecycle table', () => {
  it('refuses every role an action does not list (403) and every state it does not start from (409)', () => {
    for (const action of ACTIONS) {
      const rule = TRANSITIONS[action];
      for (const role of ROLES) {
        for (const state of STATES) {
          const got = outcome(() => decide(record(state), action, { id: 'eng-1', role }, {}, new Date()));
          if (!(rule.roles as readonly string[]).includes(role))
            expect(got, `${action} by ${role}`).toBe('forbidden');
          else if (!(rule.from as readonly string[]).includes(state))
            expect(got, `${action} from ${state}`).toBe('illegal-transition');
          else expect(['ok', 'invalid-input'], `${action} by ${role} from ${state}`).toContain(got);
        }
      }
    }
  });

  it('lets nothing out of closed or cancelled, and every open state has a way forward and a way out', () => {
    for (const state of STATES) {
      const exits = ACTIONS.filter((a) => (TRANSITIONS[a].from as readonly string[]).includes(state));
      if (state === 'closed' || state === 'cancelled') expect(exits).toEqual([]);
      else expect(exits).toContain('cancel');
    }
  });

  it('holds engineers and guards to their own slips', () => {
    const other = { id: 'eng-2', role: 'engineer' } as const;
    expect(outcome(() => decide(record('dispatched'), 'acknowledge', other, {}, new Date()))).toBe(
      'forbidden',
    );
    expect(
      outcome(() =>
        decide(record('dispatched'), 'acknowledge', { ...other, role: 'supervisor' }, {}, new Date()),
      ),
    ).toBe('ok');
  });
});

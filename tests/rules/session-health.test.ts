import { describe, expect, it } from 'vitest';
import { SessionHealth } from '../../src/mqtt-session.ts';

describe('rules session health', () => {
  it('is down before the first session once the grace has passed, ok once up', () => {
    let t = 0;
    const s = new SessionHealth(() => t);
    expect(s.health().status).toBe('ok');
    t = 11_000;
    expect(s.health()).toMatchObject({ status: 'down', detail: 'no session with the broker for 11 s' });
    s.up();
    expect(s.health().status).toBe('ok');
    s.lost();
    for (let i = 0; i < 11; i++) {
      t += 1000;
      s.lost(); // a failed reconnect attempt every second does not restart the outage
    }
    expect(s.health()).toMatchObject({ status: 'down', detail: 'no session with the broker for 11 s' });
  });

  it('calls a session lost right after each subscription a reconnect loop, though it is up most of the time', () => {
    let t = 0;
    const s = new SessionHealth(() => t);
    for (let i = 0; i < 4; i++) {
      s.up();
      t += 900;
      s.lost();
      t += 100;
    }
    s.up();
    expect(s.health()).toMatchObject({ status: 'degraded' });
    s.lost();
    s.up();
    expect(s.health()).toMatchObject({
      status: 'down',
      detail: 'lost the broker 5 times in the last minute',
    });
    t += 61_000;
    expect(s.health().status).toBe('ok');
  });
});
